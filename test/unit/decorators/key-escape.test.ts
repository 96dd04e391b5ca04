import fc from 'fast-check';
import { escapeKeyValue, isKeySeparator } from '../../../src/decorators/key-escape';

describe('escapeKeyValue', () => {
  it('keeps letters, digits, - _ . @ + ~ and non-ASCII text as they are', () => {
    expect(escapeKeyValue('Ab9-_.@+~')).toBe('Ab9-_.@+~');
    expect(escapeKeyValue('550e8400-e29b-41d4-a716-446655440000')).toBe(
      '550e8400-e29b-41d4-a716-446655440000',
    );
    expect(escapeKeyValue('ana@example.com')).toBe('ana@example.com');
    expect(escapeKeyValue('Zoë-東京-🔒')).toBe('Zoë-東京-🔒');
    expect(escapeKeyValue('')).toBe('');
  });

  it('percent-encodes separators, braces, % and every other ASCII character', () => {
    expect(escapeKeyValue('a:b')).toBe('a%3Ab');
    expect(escapeKeyValue('{x}')).toBe('%7Bx%7D');
    expect(escapeKeyValue('100%')).toBe('100%25');
    expect(escapeKeyValue('%3A')).toBe('%253A');
    expect(escapeKeyValue('a b/c|d,e;f#g=h&i?j*k')).toBe(
      'a%20b%2Fc%7Cd%2Ce%3Bf%23g%3Dh%26i%3Fj%2Ak',
    );
    expect(escapeKeyValue('tab\tnl\n\u0000\u007f')).toBe('tab%09nl%0A%00%7F');
  });

  it('escapes lone surrogates, which Redis would store as U+FFFD', () => {
    expect(escapeKeyValue('\uD800')).toBe('%uD800');
    expect(escapeKeyValue('x\uDC00y')).toBe('x%uDC00y');
    expect(escapeKeyValue('\uFFFD')).toBe('\uFFFD');
    expect(escapeKeyValue('\uD83D\uDD12')).toBe('🔒');
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
