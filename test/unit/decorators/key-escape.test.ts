import fc from 'fast-check';
import { escapeKeyValue, isKeySeparator } from '../../../src/decorators/key-escape';

describe('escapeKeyValue', () => {
  // Each rule with its examples: [value, escaped].
  it.each<[rule: string, examples: Array<[string, string]>]>([
    [
      'keeps letters, digits, - _ . @ + ~ and non-ASCII text as they are',
      [
        ['Ab9-_.@+~', 'Ab9-_.@+~'],
        ['550e8400-e29b-41d4-a716-446655440000', '550e8400-e29b-41d4-a716-446655440000'],
        ['ana@example.com', 'ana@example.com'],
        ['Zoë-東京-🔒', 'Zoë-東京-🔒'],
        ['', ''],
      ],
    ],
    [
      'percent-encodes separators, braces, % and every other ASCII character',
      [
        ['a:b', 'a%3Ab'],
        ['{x}', '%7Bx%7D'],
        ['100%', '100%25'],
        ['%3A', '%253A'],
        ['a b/c|d,e;f#g=h&i?j*k', 'a%20b%2Fc%7Cd%2Ce%3Bf%23g%3Dh%26i%3Fj%2Ak'],
        ['tab\tnl\n\u0000\u007f', 'tab%09nl%0A%00%7F'],
      ],
    ],
    [
      'escapes lone surrogates, which Redis would store as U+FFFD',
      [
        ['\uD800', '%uD800'],
        ['x\uDC00y', 'x%uDC00y'],
        ['\uFFFD', '\uFFFD'],
        ['\uD83D\uDD12', '🔒'],
      ],
    ],
  ])('%s', (_rule, examples) => {
    // Side by side, so a failure shows which value escaped wrongly.
    expect(examples.map(([value]) => [value, escapeKeyValue(value)])).toEqual(examples);
  });

  it('is injective: different strings never escape to the same text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'binary' }),
        (a, b) => a === b || escapeKeyValue(a) !== escapeKeyValue(b),
      ),
      { numRuns: 2_000 },
    );
    // Separators and escapes only, where collisions would hide.
    const tricky = fc.string({
      unit: fc.constantFrom('%', ':', '{', '}', '3', 'A', 'a', 'u', '\uD800'),
    });
    fc.assert(
      fc.property(tricky, tricky, (a, b) => a === b || escapeKeyValue(a) !== escapeKeyValue(b)),
      { numRuns: 5_000 },
    );
  });

  it('never outputs a separator, and its output survives UTF-8 (as Redis stores it)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const escaped = escapeKeyValue(value);
        return (
          ![...escaped].some(isKeySeparator) && Buffer.from(escaped).toString('utf8') === escaped
        );
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('isKeySeparator', () => {
  it('accepts ASCII punctuation and space except - _ . @ + ~ %', () => {
    expect([...':/|,;#=&?!*()[]<>$^`\'" \\'].every(isKeySeparator)).toBe(true);
    expect([...'-_.@+~%aZ09é東'].some(isKeySeparator)).toBe(false);
  });
});
