/**
 * Put before a key that would otherwise break its hash tag. NUL, because no key anybody uses
 * starts with it, so every key in use keeps its Redis name.
 */
export const KEY_ESCAPE = '\u0000';

/**
 * The name a lock key has in the store: `<prefix>:{<key>}` (`{<key>}` without a prefix), so the
 * key is the Redis Cluster hash tag and every companion name (`…}:fence`, `…}:rel`) shares its
 * slot.
 *
 * Redis hashes the text between the first `{` and the first `}` after it, or the whole name when
 * that text is empty. A prefix has no braces, so the tag starts inside the key and ends at the
 * key's first `}` (or at the closing one): always a non-empty text common to all names of this key,
 * unless the key starts with `}`. Such a key, and a key starting with the escape character itself
 * (so that the encoding stays injective), gets {@link KEY_ESCAPE} in front; every other key is
 * stored as is. Distinct keys (and prefixes) give distinct names.
 */
export function storeKeyOf(prefix: string, key: string): string {
  const first = key[0];
  const encoded = first === '}' || first === KEY_ESCAPE ? KEY_ESCAPE + key : key;
  return prefix ? `${prefix}:{${encoded}}` : `{${encoded}}`;
}
