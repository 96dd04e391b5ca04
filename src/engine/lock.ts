import { inspect } from 'node:util';

/**
 * A held lock. `signal` aborts with {@link LockLostError} if the lock is lost, or with an
 * `AbortError` once it is released. Release it with `release()` or `await using`.
 *
 * The engine hands out one of two kinds: a single key's lease (`lock-lease.ts`), which is its own
 * handle (one object per held lock, not a lease plus a wrapper), or a lock over several keys
 * (`multi-key-lock.ts`). Both keep their state, the owner token among it, in `#private` fields:
 * logs, `JSON.stringify` and `util.inspect` see only what `toJSON` and `inspect.custom` show.
 *
 * @example
 * await using lock = await engine.acquire('orders:42');
 * await db.update(order, { fence: lock.fence, signal: lock.signal }); // released at scope end
 */
export abstract class Lock implements AsyncDisposable {
  /**
   * The lock's key, without the engine prefix. For a lock over several keys: the first of
   * `keys` (the one taken first).
   * @example
   * (await engine.acquire('orders:42')).key; // 'orders:42'
   */
  abstract get key(): string;

  /**
   * Every key this lock holds, without the engine prefix: `[key]` for a single-key lock; for a
   * lock over several keys, the distinct keys in the order they are taken (by UTF-8 bytes).
   * @example
   * (await engine.acquire(['account:b', 'account:a'])).keys; // ['account:a', 'account:b']
   */
  get keys(): readonly string[] {
    return [this.key];
  }

  /**
   * The fence of each key (see `fence`); one entry for a single-key lock.
   * @example
   * for (const [key, fence] of lock.fences) await ledger.write(key, entry, { fence });
   */
  get fences(): ReadonlyMap<string, number> {
    return new Map([[this.key, this.fence]]);
  }

  /**
   * The secret owner token of this acquisition (128 random bits). Never log it. For a lock over
   * several keys: the token of `key` (each key has its own).
   * @example
   * await legacyStore.release(lock.key, lock.token); // pass it on, never print it
   */
  abstract get token(): string;

  /**
   * Fencing token: strictly increases with every acquisition of this key. Pass it to the
   * resource you protect so it can refuse writes from an older holder. For a lock over several
   * keys: the largest of `fences` (pass each resource its own key's fence where you can).
   * @example
   * await db.query('UPDATE jobs SET state = $1, fence = $2 WHERE id = $3 AND fence < $2', [s, lock.fence, id]);
   */
  abstract get fence(): number;

  /**
   * Aborts when the lock is lost (reason: `LockLostError`) or released (`AbortError`).
   * @example
   * await fetch(url, { signal: lock.signal }); // stop the request if the lock is lost
   */
  abstract get signal(): AbortSignal;

  /**
   * Whether this process still considers the lock held: not released, not lost, and its local
   * deadline not passed (checked on every read, so it is never true after the deadline, even if
   * the event loop is too busy for the timer that reports the loss).
   * @example
   * for (const batch of batches) { if (!lock.held) break; await process(batch); }
   */
  abstract get held(): boolean;

  /**
   * Local estimate (epoch ms) of when the lock expires unless renewed: the send time of the last
   * confirmed acquire or renewal + the ttl that call set (earlier while a shorter `extend` is in
   * flight).
   * @example
   * const msLeft = lock.expiresAt - Date.now();
   */
  abstract get expiresAt(): number;

  /**
   * Renew the lock now, for `ttl` ms (default: the lock's current ttl). A shorter ttl shortens
   * the lease: it then expires `ttl` ms after this call was sent, and auto-renewal follows the
   * new ttl. Throws `LockNotHeldError` if already released or lost, `LockLostError` if the store
   * says it is no longer ours, `LockStoreError` if the store failed or did not answer within
   * `storeTimeout`.
   * @param ttl the new ttl in ms, a positive integer (default: the lock's current ttl)
   * @example
   * await lock.extend(60_000); // the next step is slow: hold for a minute from now
   */
  abstract extend(ttl?: number): Promise<void>;

  /**
   * Release the lock. Resolves `true` if it was released (or, for a reentrant hold, one hold was
   * given back), `false` if it was no longer ours (already released, expired or taken over).
   * @example
   * const lock = await engine.acquire('orders:42');
   * try { await work(); } finally { await lock.release(); }
   */
  abstract release(): Promise<boolean>;

  /**
   * Release the lock when an `await using` scope ends (as `release()`, result ignored).
   * @example
   * { await using lock = await engine.acquire('orders:42'); await work(lock); } // released here
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  /**
   * Keeps the owner token out of logs: what `console.log(lock)` and `util.inspect` print.
   * @example
   * console.log(lock); // Lock { key: "orders:42", fence: 17, held: true }
   */
  [inspect.custom](): string {
    const keys = this.listedKeys();
    const shown = keys ? `, keys: ${JSON.stringify(keys)}` : '';
    return `Lock { key: ${JSON.stringify(this.key)}${shown}, fence: ${this.fence}, held: ${this.held} }`;
  }

  /**
   * The lock's public state for `JSON.stringify` and logs: never the owner token.
   * @example
   * logger.info({ lock }); // {"lock":{"key":"orders:42","fence":17,"held":true,"expiresAt":...}}
   */
  toJSON(): {
    /** As {@link Lock.key}. */
    key: string;
    /** As {@link Lock.keys}; only for a lock over several keys. */
    keys?: readonly string[];
    /** As {@link Lock.fence}. */
    fence: number;
    /** As {@link Lock.held}. */
    held: boolean;
    /** As {@link Lock.expiresAt}. */
    expiresAt: number;
  } {
    const { key, fence, held, expiresAt } = this;
    const keys = this.listedKeys();
    return keys ? { key, keys, fence, held, expiresAt } : { key, fence, held, expiresAt };
  }

  /**
   * `keys` where logs and JSON show them (a lock over several keys), else `undefined`.
   * @internal
   */
  protected listedKeys(): readonly string[] | undefined {
    return undefined;
  }
}
