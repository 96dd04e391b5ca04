import fc from 'fast-check';
import { KEY_ESCAPE, storeKeyOf } from '../../../src/engine/store-key';
import { redisNamesOf as namesOf } from '../../support/store-names';

/** Redis Cluster's hash tag rule: the text between the first { and the next }, if not empty. */
function hashedPart(name: string): string {
  const open = name.indexOf('{');
  if (open === -1) return name;
  const close = name.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return name;
  return name.slice(open + 1, close);
}

describe('store names of lock keys', () => {
  it('keeps the names of keys in use (rolling upgrades)', () => {
    expect(storeKeyOf('lw', 'orders:42')).toBe('lw:{orders:42}');
    expect(storeKeyOf('', 'orders:42')).toBe('{orders:42}');
    expect(storeKeyOf('lw', 'a{b}c')).toBe('lw:{a{b}c}');
    expect(storeKeyOf('lw', 'x}')).toBe('lw:{x}}');
  });

  it('escapes a key that starts with } or with the escape character', () => {
    expect(storeKeyOf('lw', '}x')).toBe(`lw:{${KEY_ESCAPE}}x}`);
    expect(storeKeyOf('lw', `${KEY_ESCAPE}}x`)).toBe(`lw:{${KEY_ESCAPE}${KEY_ESCAPE}}x}`);
    expect(storeKeyOf('lw', '}')).toBe(`lw:{${KEY_ESCAPE}}}`);
  });

  const anyKey = fc.string({
    unit: fc.constantFrom('}', '{', KEY_ESCAPE, 'a', ':', '\n'),
    minLength: 1,
    maxLength: 6,
  });
  const fullKey = fc.oneof(anyKey, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }));
  const prefix = fc.constantFrom('', 'lw', 'lw:', 'a:b', 'x');

  it('gives every name of a key one non-empty hash tag', () => {
    fc.assert(
      fc.property(prefix, fullKey, (p, key) => {
        const tags = new Set(namesOf(p, key).map(hashedPart));
        expect(tags.size).toBe(1);
        const [tag] = [...tags];
        expect(namesOf(p, key)).not.toContain(tag);
      }),
      { numRuns: 2_000 },
    );
  });

  // Near misses are where an encoding collides: a key and the same key with an escape or a brace
  // added or removed in front.
  const neighbours = (key: string): string[] => [
    KEY_ESCAPE + key,
    `}${key}`,
    key.slice(1),
    `${KEY_ESCAPE}}${key.slice(1)}`,
    key.startsWith(KEY_ESCAPE) ? `}${key.slice(1)}` : key,
  ];
  const pairs = fc.oneof(
    fc.tuple(prefix, fullKey, prefix, fullKey),
    fc
      .tuple(prefix, anyKey, fc.nat(4))
      .map(([p, key, i]) => [p, key, p, neighbours(key)[i]!] as const),
  );

  it('never gives two keys (or prefixes) a common name, in any role', () => {
    fc.assert(
      fc.property(pairs, ([p1, k1, p2, k2]) => {
        fc.pre(k2.length > 0 && (p1 !== p2 || k1 !== k2));
        const names = new Set(namesOf(p1, k1));
        for (const name of namesOf(p2, k2)) expect(names.has(name)).toBe(false);
      }),
      { numRuns: 5_000 },
    );
  });
});
