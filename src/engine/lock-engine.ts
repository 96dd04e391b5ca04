import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { LockInfo, LockStore } from '../stores/lock-store';
import { EngineParts } from './engine-parts';
import { LockBusyError, LockConfigError, LockStoreError } from './errors';
import { isObserved, publishEvent, type EmitEvent, type LockEngineEvents } from './events';
import type { Lock } from './lock';
import { LockLease } from './lock-lease';
import { isKeyList } from './multi-key-order';
import type {
  AcquireOptions,
  BusyPolicy,
  ClaimOptions,
  CloseOptions,
  LockEngineOptions,
  LockLogger,
  WithLockOptions,
} from './options';
import { newOwnerToken } from './owner-token';
import { DEFAULT_PREFIX, DEFAULT_STORE_TIMEOUT } from './resolve-options';
import {
  acquireSpec,
  checkOptions,
  claimSpec,
  engineSpec,
  validateKey,
  withLockSpec,
} from './validate';

const DEFAULT_METADATA = `${hostname()}:${process.pid}`;

/**
 * Takes, waits for, renews and releases locks in one {@link LockStore}. Policy lives here
 * (waiting, auto-extension, reentrancy, events); the store only answers atomic questions. The
 * engine opens nothing, so it closes nothing but its own work: whoever created the store (and
 * its Redis client) closes it.
 *
 * @example
 * const redis = new Redis();
 * const store = new RedisLockStore(redis);
 * const engine = new LockEngine({ store, defaults: { ttl: 10_000 } });
 * await engine.withLock('orders:42', async (lock) => ship(order, lock.fence));
 * await engine.close();
 * await store.close();
 * await redis.quit();
 */
export class LockEngine extends EventEmitter<LockEngineEvents> {
  /**
   * The store this engine uses (as passed in `options.store`).
   * @example
   * const reports = new LockEngine({ store: engine.store, prefix: 'reports' }); // same store, other keys
   */
  readonly store: LockStore;
  /**
   * The key prefix (`options.prefix`, `'lw'` by default).
   * @example
   * new LockEngine({ store, prefix: 'billing' }).prefix; // 'billing'
   */
  readonly prefix: string;
  readonly #logger: LockLogger;
  readonly #storeTimeout: number;
  readonly #parts: EngineParts;

  /**
   * Check `options` (a bad one throws `LockConfigError` naming it) and make an engine over
   * `options.store`. Opens nothing: the store is used from the first call on.
   * @example
   * const engine = new LockEngine({ store: new RedisLockStore(redis), prefix: 'billing' });
   */
  constructor(options: LockEngineOptions) {
    super();
    checkOptions('new LockEngine()', options, engineSpec);
    const { store, prefix = DEFAULT_PREFIX, defaults = {}, logger = console } = options;
    this.store = store;
    this.prefix = prefix;
    this.#logger = logger;
    const storeTimeout = options.storeTimeout ?? defaults.storeTimeout ?? DEFAULT_STORE_TIMEOUT;
    this.#storeTimeout = storeTimeout;
    this.#parts = new EngineParts({
      engine: this,
      store,
      prefix,
      logger,
      defaults,
      metadata: DEFAULT_METADATA,
      storeTimeout,
      onStoreError: options.onStoreError ?? 'throw',
      emit: this.#emit,
      observed: (event) => isObserved(this, event),
    });
  }

  /**
   * Number of locks this engine holds right now.
   * @example
   * gauge.set(engine.heldCount);
   */
  get heldCount(): number {
    return this.#parts.held.size;
  }

  /**
   * Number of `withLock` bodies running right now (what `close({ timeout })` waits for).
   * @example
   * if (engine.runningCount > 0) log.info(`waiting for ${engine.runningCount} locked calls`);
   */
  get runningCount(): number {
    return this.#parts.running.count;
  }

  /**
   * Take the lock, waiting per `options` (default: up to 10 s). Rejects with
   * `LockTimeoutError` when the wait runs out, `LockBusyError` with `onBusy: 'throw'`,
   * `LockStoreError` when the store fails, or the signal's reason when `signal` aborts.
   *
   * Given a list of keys, takes all of them or none (see the README, "Several keys at once"):
   * one `Lock` whose `keys` lists them, renewed, lost and released as one.
   *
   * @example
   * const lock = await engine.acquire('orders:42', { ttl: 10_000 });
   * try { await work(lock.signal); } finally { await lock.release(); }
   */
  async acquire(key: string | readonly string[], options: AcquireOptions = {}): Promise<Lock> {
    const parts = this.#parts;
    if (isKeyList(key)) return parts.multiKey.acquire(key, options);
    const [storeKey, resolved] = parts.prepare('LockEngine.acquire', key, options, acquireSpec);
    const reentrant = parts.reenter(storeKey);
    if (reentrant) return reentrant;
    const lease = await parts.acquisition.take(key, storeKey, resolved);
    if (!lease) throw new LockBusyError(`Lock "${key}" is busy (held by another owner).`, { key });
    return lease;
  }

  /**
   * One attempt: the lock, or `null` if someone else holds it. Given a list of keys: one attempt
   * per key, all of them or `null` (with none kept).
   *
   * @example
   * const lock = await engine.tryAcquire('cache:refresh');
   * if (lock) try { await refresh(); } finally { await lock.release(); }
   */
  async tryAcquire(
    key: string | readonly string[],
    options: AcquireOptions = {},
  ): Promise<Lock | null> {
    const parts = this.#parts;
    if (isKeyList(key)) return parts.multiKey.tryAcquire(key, options);
    const [storeKey, resolved] = parts.prepare('LockEngine.tryAcquire', key, options, acquireSpec);
    const reentrant = parts.reenter(storeKey);
    if (reentrant) return reentrant;
    const lease = await parts.acquisition.take(key, storeKey, { ...resolved, onBusy: 'skip' });
    return lease;
  }

  /**
   * Run `fn` while holding the lock and release it before the returned promise settles.
   * Inside `fn`, taking the same key again on this engine reuses the held lock (reentrancy),
   * and `currentLock()` returns it.
   *
   * @example
   * await engine.withLock('orders:42', async (lock) => charge(order, lock.signal), { ttl: 10_000 });
   */
  withLock<T>(
    key: string | readonly string[],
    fn: (lock: Lock) => T | PromiseLike<T>,
    options?: WithLockOptions & { onBusy?: Exclude<BusyPolicy, 'skip'> },
  ): Promise<T>;
  withLock<T>(
    key: string | readonly string[],
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: WithLockOptions,
  ): Promise<T | undefined>;
  async withLock<T>(
    key: string | readonly string[],
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: WithLockOptions = {},
  ): Promise<T | undefined> {
    if (typeof fn !== 'function') {
      throw new LockConfigError(`LockEngine.withLock: the second argument must be a function.`);
    }
    const parts = this.#parts;
    if (isKeyList(key)) return parts.multiKey.withLock(key, fn, options);
    const [storeKey, resolved] = parts.prepare('LockEngine.withLock', key, options, withLockSpec);
    const reentrant = parts.reenter(storeKey);
    if (reentrant) return this.#runHolding(reentrant, storeKey, fn);
    let lease: LockLease | null;
    try {
      lease = await parts.acquisition.take(key, storeKey, resolved);
    } catch (error) {
      const { ttl, storeTimeout } = resolved;
      const unlocked = (): Lock =>
        new LockLease(null, key, storeKey, '', 0, ttl, false, storeTimeout, Date.now());
      return parts.bodies.runUnlocked(error, resolved.onStoreError, `"${key}"`, key, unlocked, fn);
    }
    if (!lease) {
      if (resolved.onBusy === 'skip') return undefined;
      throw new LockBusyError(`Lock "${key}" is busy (held by another owner).`, { key });
    }
    return this.#runHolding(lease, storeKey, fn);
  }

  /**
   * Take `key` for `ttl` ms once, without holding it: the claim is never renewed, never
   * released (not even by `close()`), not tracked and not reentrant; it simply expires. For
   * "this happened once" markers, such as a cron tick claimed by one replica. Resolves the
   * claim's fence, or `null` if the key is taken.
   *
   * @example
   * if (await engine.claim(`report:${day}`, { ttl: 86_400_000 })) await sendReport(day);
   */
  async claim(
    key: string,
    options: ClaimOptions,
  ): Promise<{
    /** The claim's fencing token. */
    fence: number;
  } | null> {
    const where = 'LockEngine.claim';
    const { life, calls } = this.#parts;
    life.admit(where);
    validateKey(where, key);
    // A claim's ttl is never a timer (the claim just expires in the store), so it may be long.
    checkOptions(`${where}("${key}")`, options, claimSpec);
    const { ttl, metadata = DEFAULT_METADATA, storeTimeout = this.#storeTimeout } = options;
    const storeKey = this.#parts.storeKey(key);
    const token = newOwnerToken();
    const result = await calls.run(
      'acquire',
      key,
      token,
      storeTimeout,
      () => this.store.acquire(storeKey, token, ttl, { metadata, once: true }),
      // A claim granted after we gave up would block every replica for nothing: undo it.
      { onLate: (late) => calls.releaseLate(storeKey, token, late) },
    );
    return result.acquired ? { fence: result.fence } : null;
  }

  /**
   * Whether someone (anyone) holds the lock now.
   * @example
   * if (await engine.isLocked('migrations')) console.log('a migration is running');
   */
  async isLocked(key: string): Promise<boolean> {
    return (await this.#inspect('LockEngine.isLocked', key)) !== null;
  }

  /**
   * The lock's ttl, fence, holder count and metadata, or `null` if free. Never the token.
   * @example
   * const info = await engine.inspect('orders:42'); // { ttl: 9_412, fence: 17, holds: 1, metadata: 'web-1:4242' }
   */
  inspect(key: string): Promise<LockInfo | null> {
    return this.#inspect('LockEngine.inspect', key);
  }

  /**
   * Delete the lock whoever holds it and wake waiters. For operators recovering from a stuck
   * holder; the holder finds out at its next renewal. Resolves whether a lock was deleted.
   *
   * @example
   * await engine.forceRelease('orders:42'); // an operator's "unstick" button
   */
  async forceRelease(key: string): Promise<boolean> {
    const where = 'LockEngine.forceRelease';
    const parts = this.#parts;
    parts.life.admit(where);
    validateKey(where, key);
    const storeKey = parts.storeKey(key);
    const deleted = await parts.calls.run('forceRelease', key, undefined, this.#storeTimeout, () =>
      this.store.forceRelease(storeKey),
    );
    parts.held.get(storeKey)?.lose('it was force-released');
    return deleted;
  }

  /**
   * Stop taking locks. At once: new calls are refused (`LockConfigError`) and pending waits
   * rejected, except those made from inside a running `withLock` body, which may still take
   * locks while it runs. Then wait up to `timeout` ms for the running bodies, stop renewals and
   * release every lock still held (the signals of bodies still running abort). Claims are left
   * to expire. The store is not closed: whoever created it closes it. Calling `close` again
   * waits for the same close.
   *
   * @example
   * await engine.close({ timeout: 10_000 }); // let running work finish, up to 10 s
   * await store.close(); // then what you opened
   * await redis.quit();
   */
  async close(options: CloseOptions = {}): Promise<void> {
    return this.#parts.life.close(options);
  }

  async #inspect(where: string, key: string): Promise<LockInfo | null> {
    const { life, calls } = this.#parts;
    life.admit(where);
    validateKey(where, key);
    const storeKey = this.#parts.storeKey(key);
    return calls.run('inspect', key, undefined, this.#storeTimeout, () =>
      this.store.inspect(storeKey),
    );
  }

  /** Run `fn` as a body of this engine (counted for `close`), then release `lock`. */
  #runHolding<T>(lock: Lock, storeKey: string, fn: (lock: Lock) => T | PromiseLike<T>): Promise<T> {
    return this.#parts.bodies.hold(lock, storeKey, fn, (error: unknown) => {
      // The work is done; an unreleased lock expires by itself within its ttl.
      this.#emit('error', {
        key: lock.key,
        operation: 'release',
        error:
          error instanceof LockStoreError
            ? error
            : this.#parts.calls.error('release', lock.key, error),
      });
    });
  }

  readonly #emit: EmitEvent = (event, payload) => publishEvent(this, this.#logger, event, payload);
}
