import { defer } from '../../support/cleanup';

// The tests of this file run in order: each one checks what the clean-up after the previous one
// did.
const ran: string[] = [];

beforeAll(() => {
  defer(() => ran.push('file'));
});
beforeEach(() => {
  defer(() => ran.push('each'));
});

describe('defer()', () => {
  it('collects steps during a test', () => {
    defer(() => ran.push('first'));
    defer(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      ran.push('second');
    });
    expect(ran).toEqual([]);
  });

  it('runs them right after the test, last in first out (before-each steps last), not the file steps', () => {
    expect(ran).toEqual(['second', 'first', 'each']);
  });
});
