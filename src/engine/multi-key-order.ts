import { LockConfigError, LockKeyError } from './errors';
import { describeValue, validateKey } from './validate';

/** One key of a multi-key lock: as given, and as named in the store. */
export interface OrderedKey {
  readonly key: string;
  readonly storeKey: string;
}

/** Whether a lock key argument is a list of keys (a multi-key lock) rather than one key. */
export function isKeyList(key: unknown): key is readonly string[] {
  return Array.isArray(key);
}

/**
 * The keys of a multi-key lock in the order every process takes them: distinct keys (a key given
 * twice is one key), sorted by the UTF-8 bytes of their store names. Every process with the same
 * prefix sorts the same keys the same way, so two callers can never each hold a key the other
 * waits for (no deadlock). Bytes rather than JavaScript's UTF-16 order, so that the order is the
 * one Redis itself sorts names in, and any client in any language can follow it.
 *
 * Throws (naming `where`) for an empty list or a key that is not a valid single key.
 */
export function lockOrder(
  where: string,
  keys: readonly unknown[],
  storeKeyOf: (key: string) => string,
  ErrorClass: typeof LockConfigError | typeof LockKeyError = LockConfigError,
): OrderedKey[] {
  validateKeyList(where, keys, ErrorClass);
  const byName = new Map<string, OrderedKey>();
  for (const key of keys) {
    const storeKey = storeKeyOf(key);
    if (!byName.has(storeKey)) byName.set(storeKey, { key, storeKey });
  }
  const ordered = [...byName.values()].map((k) => ({ ...k, bytes: Buffer.from(k.storeKey) }));
  ordered.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  return ordered.map(({ key, storeKey }) => ({ key, storeKey }));
}

/**
 * Check a list of lock keys: not empty, each a valid single key. Throws `LockKeyError` for an
 * empty list, else `ErrorClass` (naming `where` and the index) as `validateKey` does.
 */
export function validateKeyList(
  where: string,
  keys: readonly unknown[],
  ErrorClass: typeof LockConfigError | typeof LockKeyError = LockConfigError,
): asserts keys is readonly string[] {
  if (keys.length === 0) {
    throw new LockKeyError(
      `${where}: the list of lock keys is empty; give at least one key (a multi-key lock takes all its keys or none).`,
    );
  }
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i];
    if (typeof key !== 'string' || key.length === 0) {
      throw new ErrorClass(
        `${where}: every lock key in the list must be a non-empty string, got ${describeValue(key)} at index ${i}.`,
      );
    }
    validateKey(where, key, ErrorClass);
  }
}

/** How a list of keys is named in messages: `["a","b"]` (long lists shortened). */
export function keyListLabel(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((key) => describeValue(key));
  const more = keys.length > 5 ? `, … (${keys.length} keys)` : '';
  return `[${shown.join(',')}${more}]`;
}
