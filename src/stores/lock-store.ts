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
 * Keys passed to a store are already prefixed by the engine and carry the key as a Redis Cluster
 * hash tag (`lw:{orders:42}`); how a store lays out its companion keys is its own business.
 *
 * Users rarely call a store: they pass it to a `LockEngine`. A store of your own can be checked
 * with the contract suite of `lockwarden/testing`.
 *
 * @example
 * const store: LockStore = new RedisLockStore(redis);
 * const engine = new LockEngine({ store });
 * // your own store, run through the shared contract (Jest shown):
 * for (const { name, run } of lockStoreContract(() => ({ store: new MyLockStore() }))) test(name, run);
 */
export interface LockStore {
  /**
   * Take `key` for `owner` if it is free or expired. Re-acquiring a key already held by the same
   * owner succeeds with the same fence (so a retried request after a lost reply is harmless).
   * @example
   * await store.acquire('lw:{orders:42}', token, 30_000); // { acquired: true, fence: 17 }
   * await store.acquire('lw:{orders:42}', other, 30_000); // { acquired: false, ttl: 29_998 }
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
   * @example
   * const result = await store.acquireMany?.([
   *   { key: 'lw:{a}', owner: tokenA, ttl: 30_000 },
   *   { key: 'lw:{b}', owner: tokenB, ttl: 30_000 },
   * ]);
   * if (result?.acquired) console.log(result.fences); // e.g. [17, 4]
   */
  acquireMany?(
    requests: readonly AcquireManyRequest[],
    options?: StoreAcquireManyOptions,
  ): Promise<AcquireManyResult | null>;

  /**
   * Reset the expiry of `key` to `ttl` ms if `owner` still holds it; `false` otherwise.
   * @example
   * if (!(await store.renew('lw:{orders:42}', token, 30_000))) console.warn('lock lost');
   */
  renew(key: string, owner: string, ttl: number): Promise<boolean>;

  /**
   * Renew several locks at once (one pipeline on Redis). Optional: the engine falls back to
   * parallel `renew` calls. A rejected entry is reported as an `Error` in its slot.
   * @example
   * await store.renewMany([{ key: 'lw:{a}', owner: tokenA, ttl: 30_000 }, { key: 'lw:{b}', owner: tokenB, ttl: 30_000 }]); // [true, false]
   */
  renewMany?(requests: readonly RenewRequest[]): Promise<Array<boolean | Error>>;

  /**
   * Delete `key` if `owner` holds it and notify waiters; `false` if it was not held by `owner`.
   * A store that grants hands the lock to the head of the queue, or to `options.successor`.
   * @example
   * await store.release('lw:{orders:42}', token); // true, and one waiter wakes
   */
  release(key: string, owner: string, options?: ReleaseOptions): Promise<boolean>;

  /**
   * What is known about `key` without its owner token, or `null` if it is free.
   * @example
   * await store.inspect('lw:{orders:42}'); // { ttl: 29_120, fence: 17, holds: 1, metadata: 'web-1:4242' }
   */
  inspect(key: string): Promise<LockInfo | null>;

  /**
   * Delete `key` whoever holds it and notify waiters; `false` if it was free.
   * @example
   * await store.forceRelease('lw:{orders:42}'); // true: its holder finds out at its next renewal
   */
  forceRelease(key: string): Promise<boolean>;

  /**
   * Optional: call `listener` whenever `key` is released. `next` is the token of the first
   * waiter in the queue (only that waiter should try), or `undefined` when nobody is queued.
   * With `grant` (stores whose {@link LockStore.grants} is `true`), the release has already
   * given the lock to `next`: its fence and the server time of the grant; nobody should try.
   * Listeners that take one argument keep working. Resolves once notifications are being
   * delivered, to an unsubscribe function.
   * @example
   * const unsubscribe = await store.onRelease('lw:{orders:42}', (next, grant) => {
   *   if (grant) handOver(next, grant.fence, grant.serverTime); // `next` holds it now
   *   else wake(next);
   * });
   * unsubscribe(); // when the last local waiter has gone
   */
  onRelease?(
    key: string,
    listener: (next: string | undefined, grant?: StoreGrant) => void,
  ): Promise<() => void>;

  /**
   * Optional (stores that support fair locks implement it): remove `owner` from the queue of
   * `key` because it gave up. If the lock had been granted to `owner` meanwhile, release it. A
   * free lock then goes to the next waiter (granted, or woken). `false` if `owner` was neither
   * queued nor holding a grant.
   * @example
   * await store.dequeue('lw:{printer:3}', token); // a waiter timed out: let the next one go
   */
  dequeue?(key: string, owner: string): Promise<boolean>;

  /**
   * Optional: `true` when `release` (and `dequeue`) hand a freed lock straight to the live head
   * of the key's queue, in the same atomic operation: the lock is taken for that waiter with the
   * ttl and metadata of its latest queued `acquire`, and the release notification carries the
   * grant (see {@link LockStore.onRelease}). Such a store answers a queued `acquire` with the
   * server's time (`serverTime`), and a granted waiter that asks again is told it holds the lock
   * (so a lost notification costs one attempt, never the lock). The engine then queues its
   * waiting callers so they can be granted; without it, they make attempts when woken.
   * @default undefined (no grants)
   * @example
   * if (store.grants) console.log('a release hands the lock over in one message');
   */
  readonly grants?: boolean;

  /**
   * Optional: problems in the store's configuration that threaten lock safety, as sentences for
   * a log (for Redis: an evicting `maxmemory-policy`, which silently deletes held locks). Each
   * engine calls it once, in the background, when it first uses the store, and logs every
   * warning through its logger; it never delays or fails a lock operation. A store checks at
   * most once (every engine gets the same answer) and resolves `[]` when it cannot check.
   * @example
   * await store.checkConfiguration(); // ['Redis maxmemory-policy is "allkeys-lru", so ...'] or []
   */
  checkConfiguration?(): Promise<readonly string[]>;

  /**
   * Free what the store itself opened (never a client the user passed in).
   * @example
   * await engine.close();
   * await store.close?.();
   */
  close?(): Promise<void>;
}

/** Options of {@link LockStore.release}. */
export interface ReleaseOptions {
  /**
   * Grant the freed lock to this queued waiter rather than the head of the key's queue, if
   * every waiter ahead of it is {@link StoreAcquireOptions.overtakable} (else the head gets it as
   * usual). The engine names its own next plain waiter of the key, for a few ms at most.
   * Stores that do not grant ignore it.
   * @default undefined (the head of the queue)
   * @example
   * await store.release('lw:{orders:42}', token, { successor: nextWaiterToken });
   */
  readonly successor?: string;
}

/**
 * Extra data for {@link LockStore.acquire}; the engine fills it from the acquire options.
 *
 * @example
 * await store.acquire('lw:{orders:42}', token, 30_000, { metadata: 'web-1:4242', fair: true });
 */
export interface StoreAcquireOptions {
  /**
   * A short description of the holder (host, pid), returned by `inspect`.
   * @default '' (none)
   * @example
   * await store.acquire(key, token, 30_000, { metadata: `${hostname()}:${process.pid}` });
   */
  metadata?: string;
  /**
   * Join the key's fair queue when the lock cannot be taken. Whether fair or not, a free lock
   * goes to the head of a non-empty queue, and a caller that finds a queue joins it.
   * @default false
   * @example
   * await store.acquire(key, token, 30_000, { fair: true }); // { acquired: false, ttl, queued: true }
   */
  fair?: boolean;
  /**
   * With `fair`: a release may hand the lock to the successor it names
   * ({@link ReleaseOptions.successor}) ahead of this waiter. The engine sets it for a process's
   * waiting plain (default-mode) caller, which joins the queue for a grant but was promised no
   * order; fair callers never set it, so a fair waiter is never overtaken.
   * @default false
   * @example
   * await store.acquire(key, token, 30_000, { fair: true, overtakable: true });
   */
  overtakable?: boolean;
  /**
   * A single attempt that must not join the queue (it still may not barge past one).
   * @default false
   * @example
   * await store.acquire(key, token, 60_000, { once: true }); // what `engine.claim` sends
   */
  once?: boolean;
  /**
   * How long a queued waiter stays in the queue without another `acquire` call refreshing it,
   * in ms (a waiter whose process died leaves the queue after this long).
   * @default DEFAULT_WAITER_TTL (2_000)
   * @example
   * await store.acquire(key, token, 30_000, { fair: true, waiterTtl: 5_000 });
   */
  waiterTtl?: number;
}

/**
 * The outcome of {@link LockStore.acquire}.
 *
 * @example
 * const result = await store.acquire(key, token, 30_000);
 * if (!result.acquired) await sleep(result.ttl > 0 ? result.ttl : 50); // the holder's remaining time
 */
export type AcquireResult =
  | {
      /** The caller now holds the lock. */
      acquired: true;
      /** The fencing token issued for this acquisition. */
      fence: number;
      /** The caller's queue ticket, when it waited in the fair queue. */
      ticket?: number;
    }
  | {
      /** Someone else holds the lock (or others are queued first). */
      acquired: false;
      /**
       * The holder's remaining time in ms, so a waiter can sleep that long; `-1` if unknown or
       * if the lock is free but others are queued first.
       */
      ttl: number;
      /** Whether the caller is now in the fair queue (refresh it by calling again). */
      queued?: boolean;
      /**
       * When queued by a store that grants ({@link LockStore.grants}): the time of this attempt
       * by the store's clock, in ms (may have a fraction). A later grant's `serverTime` minus
       * this is how long after this attempt the lease began, by the store's own clock.
       */
      serverTime?: number;
      /**
       * Optional, when the store can tell: ms (with a fraction) from this attempt until the lock
       * is free by the store's clock, so a waiter can wake within a fraction of a ms of the
       * expiry. More than `ttl`, by up to a ms: `ttl` is rounded down, and the key lives through
       * its last ms. `RedisLockStore` reports it for queued attempts on Redis >= 7.
       */
      expiresIn?: number;
    };

/**
 * What a release notification carries when the store granted the lock to the next waiter (see
 * {@link LockStore.onRelease} and {@link LockStore.grants}).
 *
 * @example
 * // The waiter's lease began no later than (local send time of its last queued attempt) +
 * // (grant.serverTime - that attempt's serverTime): no comparison of two machines' clocks.
 * const start = sentAt + (grant.serverTime - queuedAt.serverTime);
 */
export interface StoreGrant {
  /** The fencing token issued to the waiter. */
  fence: number;
  /** When the lock was granted, by the store's clock, in ms (may have a fraction). */
  serverTime: number;
  /** The waiter's ticket in the queue, as `acquire` reports it for a waiter that queued. */
  ticket?: number;
  /**
   * How long the store keeps the grant, in ms, when that is less than the ttl the waiter asked
   * for: no longer than the waiter would still have counted as queued, so a grant to a waiter
   * that died unnoticed frees the lock as soon as its place in the queue would have. The holder
   * extends it to its own ttl well before then. Absent: the waiter's own ttl.
   */
  ttl?: number;
}

/**
 * One entry of {@link LockStore.acquireMany}.
 *
 * @example
 * const request: AcquireManyRequest = { key: 'lw:{a}', owner: token, ttl: 30_000 };
 */
export interface AcquireManyRequest {
  /** The lock's store key (prefixed, as for `acquire`). */
  key: string;
  /** The owner token this key is taken with (each key of a set has its own). */
  owner: string;
  /** Time to live of this key, ms. */
  ttl: number;
}

/**
 * Extra data for {@link LockStore.acquireMany}.
 *
 * @example
 * await store.acquireMany?.(requests, { metadata: 'host-1 pid 42' });
 */
export interface StoreAcquireManyOptions {
  /** A short description of the holder (host, pid), returned by `inspect` for every key. */
  metadata?: string;
}

/**
 * The outcome of {@link LockStore.acquireMany}.
 *
 * @example
 * const result = await store.acquireMany?.(requests);
 * if (result && !result.acquired) console.log(`request ${result.busy} is busy for ${result.ttl} ms`);
 */
export type AcquireManyResult =
  | {
      /** Every key was taken. */
      acquired: true;
      /** One fence per request, in request order. */
      fences: number[];
    }
  | {
      /** A key was busy (or queued for): nothing was taken. */
      acquired: false;
      /** The index of the first busy request; nothing was taken. */
      busy: number;
      /** That key's holder's remaining ms, or `-1` if unknown or free with others queued. */
      ttl: number;
    };

/**
 * One entry of {@link LockStore.renewMany}.
 *
 * @example
 * const results = await store.renewMany([{ key: 'lw:{a}', owner: tokenA, ttl: 30_000 }]); // [true]
 */
export interface RenewRequest {
  /** The lock's store key (prefixed, as for `renew`). */
  key: string;
  /** The owner token the lock was acquired with. */
  owner: string;
  /** The new time to live in ms. */
  ttl: number;
}

/**
 * The public state of a held lock, as returned by {@link LockStore.inspect} (and
 * `LockEngine.inspect`); never the owner token.
 *
 * @example
 * const info = await engine.inspect('orders:42');
 * if (info) console.log(`held by ${info.metadata} for ${info.ttl} ms more (fence ${info.fence})`);
 */
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
