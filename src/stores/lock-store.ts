/** How long a queued fair waiter stays queued without refreshing, unless the caller says. */
export const DEFAULT_WAITER_TTL = 2_000;

/** How long a store remembers the last fence of a lock after the lock could have expired. */
export const DEFAULT_FENCE_GRACE = 60_000;

/**
 * The contract between the lock engine and a backing store.
 *
 * Atomicity rules every implementation must keep:
 * - each operation is atomic with respect to every other operation on the same key;
 * - `acquire`, `renew` and `release` compare the owner token; only `forceRelease` ignores it;
 * - expiry is measured by the store's own clock, never the caller's;
 * - fencing tokens are safe integers that strictly increase per key, across releases and expiries;
 * - the owner token is never returned by `inspect`.
 *
 * Keys passed to a store are already prefixed by the engine (`lw:orders:42`); how a store lays
 * them out (hash tags, companion keys) is its own business.
 */
export interface LockStore {
  /**
   * Take `key` for `owner` if it is free or expired. Re-acquiring a key already held by the same
   * owner succeeds with the same fence (so a retried request after a lost reply is harmless).
   */
  acquire(
    key: string,
    owner: string,
    ttl: number,
    options?: StoreAcquireOptions,
  ): Promise<AcquireResult>;

  /**
   * Optional: take several keys in ONE atomic operation, all or none, each for its own owner
   * token and ttl, only if every key is free and nobody is queued for it (no fair queue). Resolves
   * `{ acquired: true, fences }` (one fence per request, in order, issued as `acquire` would), or
   * `{ acquired: false, busy, ttl }` with the index of the first busy request (in order) and its
   * holder's remaining ms (`-1` if it is free but has a queue); then nothing was taken. Resolves
   * `null`, before asking anything, when it cannot take these keys in one operation (on a Redis
   * Cluster: keys in different hash slots); the engine then takes them one by one with `acquire`,
   * as it does for stores without this method. Errors must not carry the owner tokens.
   */
  acquireMany?(
    requests: readonly AcquireManyRequest[],
    options?: StoreAcquireManyOptions,
  ): Promise<AcquireManyResult | null>;

  /** Reset the expiry of `key` to `ttl` ms if `owner` still holds it; `false` otherwise. */
  renew(key: string, owner: string, ttl: number): Promise<boolean>;

  /**
   * Renew several locks at once (one pipeline on Redis). Optional: the engine falls back to
   * parallel `renew` calls. A rejected entry is reported as an `Error` in its slot.
   */
  renewMany?(requests: readonly RenewRequest[]): Promise<Array<boolean | Error>>;

  /** Delete `key` if `owner` holds it and notify waiters; `false` if it was not held by `owner`. */
  release(key: string, owner: string): Promise<boolean>;

  /** What is known about `key` without its owner token, or `null` if it is free. */
  inspect(key: string): Promise<LockInfo | null>;

  /** Delete `key` whoever holds it and notify waiters; `false` if it was free. */
  forceRelease(key: string): Promise<boolean>;

  /**
   * Optional: call `listener` whenever `key` is released. `next` is the token of the first
   * waiter in the fair queue (only that waiter should try), or `undefined` when nobody is
   * queued. Resolves once notifications are being delivered, to an unsubscribe function.
   */
  onRelease?(key: string, listener: (next: string | undefined) => void): Promise<() => void>;

  /**
   * Optional (stores that support fair locks implement it): remove `owner` from the fair queue
   * of `key` because it gave up, and wake the next waiter if the lock is free. `false` if it was
   * not queued.
   */
  dequeue?(key: string, owner: string): Promise<boolean>;

  /**
   * Optional: problems in the store's configuration that threaten lock safety, as sentences for
   * a log (for Redis: an evicting `maxmemory-policy`, which silently deletes held locks). Each
   * engine calls it once, in the background, when it first uses the store, and logs every
   * warning through its logger; it never delays or fails a lock operation. A store checks at
   * most once (every engine gets the same answer) and resolves `[]` when it cannot check.
   */
  checkConfiguration?(): Promise<readonly string[]>;

  /** Free what the store itself opened (never a client the user passed in). */
  close?(): Promise<void>;
}

/** Extra data for {@link LockStore.acquire}. */
export interface StoreAcquireOptions {
  /** A short description of the holder (host, pid), returned by `inspect`. */
  metadata?: string;
  /**
   * Join the key's fair queue when the lock cannot be taken. Whether fair or not, a free lock
   * goes to the head of a non-empty queue, and a caller that finds a queue joins it.
   */
  fair?: boolean;
  /** A single attempt that must not join the queue (it still may not barge past one). */
  once?: boolean;
  /**
   * How long a queued waiter stays in the queue without another `acquire` call refreshing it,
   * in ms (a waiter whose process died leaves the queue after this long).
   * @default DEFAULT_WAITER_TTL (2_000)
   */
  waiterTtl?: number;
}

/** The outcome of {@link LockStore.acquire}. */
export type AcquireResult =
  | {
      acquired: true;
      fence: number;
      /** The caller's queue ticket, when it waited in the fair queue. */
      ticket?: number;
    }
  | {
      acquired: false;
      /**
       * The holder's remaining time in ms, so a waiter can sleep that long; `-1` if unknown or
       * if the lock is free but others are queued first.
       */
      ttl: number;
      /** Whether the caller is now in the fair queue (refresh it by calling again). */
      queued?: boolean;
    };

/** One entry of {@link LockStore.acquireMany}. */
export interface AcquireManyRequest {
  key: string;
  owner: string;
  ttl: number;
}

/** Extra data for {@link LockStore.acquireMany}. */
export interface StoreAcquireManyOptions {
  /** A short description of the holder (host, pid), returned by `inspect` for every key. */
  metadata?: string;
}

/** The outcome of {@link LockStore.acquireMany}. */
export type AcquireManyResult =
  | {
      acquired: true;
      /** One fence per request, in request order. */
      fences: number[];
    }
  | {
      acquired: false;
      /** The index of the first busy request; nothing was taken. */
      busy: number;
      /** That key's holder's remaining ms, or `-1` if unknown or free with others queued. */
      ttl: number;
    };

/** One entry of {@link LockStore.renewMany}. */
export interface RenewRequest {
  key: string;
  owner: string;
  ttl: number;
}

/** The public state of a held lock, as returned by {@link LockStore.inspect}. */
export interface LockInfo {
  /** Remaining time to live in ms, by the store's clock. */
  ttl: number;
  /** The fencing token issued when the lock was taken. */
  fence: number;
  /** Number of holders: 1 for an exclusive lock. */
  holds: number;
  /** The holder's metadata string (empty if none was given). */
  metadata: string;
}
