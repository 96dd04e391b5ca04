import { MemoryLockStore } from '../../../src';
import { describeLockStoreContract, type TestApi } from '../../../src/testing';
import { storeOver } from '../../support/scripted-store';

interface Registered {
  title: string;
  run: () => Promise<void>;
}

/** Register the suite through its `api` option and hand back its tests, ready to run. */
function collect(options: Parameters<typeof describeLockStoreContract>[2]): Registered[] {
  const tests: Registered[] = [];
  const before: Array<() => Promise<void>> = [];
  const after: Array<() => Promise<void>> = [];
  const api: TestApi = {
    describe: (_name, fn) => fn(),
    it: (title, fn) => tests.push({ title, run: fn }),
    beforeEach: (fn) => before.push(fn),
    afterEach: (fn) => after.push(fn),
  };
  // A store with only the five required operations: no renewMany, onRelease or dequeue.
  describeLockStoreContract('bare', () => ({ store: storeOver(new MemoryLockStore()) }), {
    ...options,
    api,
  });
  return tests.map(({ title, run }) => ({
    title,
    run: async () => {
      for (const hook of before) await hook();
      try {
        await run();
      } finally {
        for (const hook of after) await hook();
      }
    },
  }));
}

describe('describeLockStoreContract itself', () => {
  it('fails a store that lacks a capability the suite was told it has', async () => {
    const fairness = collect({}).find((t) => t.title.startsWith('gives a free lock to the head'));
    await expect(fairness!.run()).rejects.toThrow(
      'the store has no dequeue() although the suite was told it supports "fair" (pass supports: { fair: false } if it does not)',
    );
  });

  it('leaves out what a store disclaims, and the rest passes for a bare store', async () => {
    const tests = collect({
      supports: { renewMany: false, onRelease: false, fair: false },
      shortTtl: 30,
    });
    const titles = tests.map((t) => t.title);
    expect(titles).not.toContain('renews a batch with one result per entry');
    expect(titles).not.toContain('notifies release listeners on release and force-release only');
    expect(titles.some((t) => t.includes('queue'))).toBe(false);
    expect(titles).toContain('gives a key to exactly one of 50 concurrent owners');
    for (const test of tests) await test.run();
  });
});
