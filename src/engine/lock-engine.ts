import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { LockInfo, LockStore } from '../stores/lock-store';
import { Acquisition } from './acquisition';
import { findHeldInContext, insideBodyOf, lockContext, reentrancyScope } from './context';
import { LockBusyError, LockConfigError, LockStoreError } from './errors';
import { isObserved, publishEvent, type EmitEvent, type LockEngineEvents } from './events';
import { HeldLeases } from './held-leases';
import { InFlight } from './in-flight';
import { KeyWaitersMap } from './key-waiters';
import type { Lock } from './lock';
import { LockLease, leaseOf } from './lock-lease';
import { MultiKeyAcquisition } from './multi-key-acquisition';
import { isKeyList, keyListLabel } from './multi-key-order';
import {
  copyAcquireDefaults,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_PREFIX,
  DEFAULT_STORE_TIMEOUT,
  resolveAcquireOptions,
  type AcquireOptions,
  type BusyPolicy,
  type ClaimOptions,
  type CloseOptions,
  type LockEngineOptions,
  type LockLogger,
  type ResolvedAcquireOptions,
  type StoreErrorPolicy,
  type WithLockOptions,
} from './options';
import { newOwnerToken } from './owner-token';
import { StoreCalls } from './store-calls';
import { storeKeyOf } from './store-key';
import {
  acquireSpec,
  checkInterval,
  checkOptions,
  claimSpec,
  closeSpec,
  engineSpec,
  validateKey,
  withLockSpec,
  type OptionSpec,
} from './validate';

const DEFAULT_METADATA = `${hostname()}:${process.pid}`;

function closedEngineError(where?: string, key?: string): LockConfigError {
  const message = 'LockEngine is closed; create a new engine to take locks.';
  return new LockConfigError(where ? `${where}: ${message}` : message, { key });
}

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
  readonly #defaults: Readonly<WithLockOptions>;
  readonly #onStoreError: StoreErrorPolicy;
  readonly #logger: LockLogger;
  readonly #storeTimeout: number;
  readonly #scope: object;
  readonly #held: HeldLeases;
  readonly #running = new InFlight();
  readonly #calls: StoreCalls;
  readonly #waiters: KeyWaitersMap;
  readonly #acquisition: Acquisition;
  readonly #multiKey: MultiKeyAcquisition;
  /** Frozen `withLock` options objects (such as `@Locked`'s) are checked and resolved once. */
  readonly #resolved = new WeakMap<object, ResolvedAcquireOptions>();
  #state: 'open' | 'draining' | 'closed' = 'open';
  #closing: Promise<void> | undefined;

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
    this.#defaults = copyAcquireDefaults(defaults);
    this.#onStoreError = options.onStoreError ?? 'throw';
    this.#logger = logger;
    this.#storeTimeout = options.storeTimeout ?? defaults.storeTimeout ?? DEFAULT_STORE_TIMEOUT;
    this.#scope = reentrancyScope(store, prefix);
    const calls = (this.#calls = new StoreCalls(store, logger));
    this.#waiters = new KeyWaitersMap(calls, (event) => this.#emit('error', event));
    const observed = (event: keyof LockEngineEvents): boolean => isObserved(this, event);
    this.#held = new HeldLeases(calls, this.#emit, observed, (storeKey) =>
      this.#waiters.wakeHead(storeKey),
    );
    this.#acquisition = new Acquisition({
      calls,
      waiters: this.#waiters,
      held: this.#held,
      refusal: (key) => this.#refusal(undefined, key),
      nested: () => insideBodyOf(this),
      emit: this.#emit,
      observed,
    });
    this.#multiKey = new MultiKeyAcquisition({
      engine: this,
      scope: this.#scope,
      logger,
      onStoreError: this.#onStoreError,
      emit: this.#emit,
      observed,
      calls,
      held: this.#held,
      untouched: (storeKey) =>
        !findHeldInContext(this.#scope, storeKey) &&
        !this.#held.has(storeKey) &&
        (this.#waiters.get(storeKey)?.queue.length ?? 0) === 0,
      admit: (where) => this.#admit(where),
      refusal: (key) => this.#refusal(undefined, key),
      storeKey: (key) => this.#storeKey(key),
      resolve: (where, keys, options, spec) => this.#resolve(where, keys, options, spec),
      takeOne: async (key, storeKey, o) =>
        this.#reenter(storeKey) ?? (await this.#acquisition.take(key, storeKey, o)),
      run: (body) => this.#running.run(body),
    });
  }

  /**
   * Number of locks this engine holds right now.
   * @example
   * gauge.set(engine.heldCount);
   */
  get heldCount(): number {
    return this.#held.size;
  }

  /**
   * Number of `withLock` bodies running right now (what `close({ timeout })` waits for).
   * @example
   * if (engine.runningCount > 0) log.info(`waiting for ${engine.runningCount} locked calls`);
   */
  get runningCount(): number {
    return this.#running.count;
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
    if (isKeyList(key)) return this.#multiKey.acquire(key, options);
    const [storeKey, resolved] = this.#prepare('LockEngine.acquire', key, options, acquireSpec);
    const reentrant = this.#reenter(storeKey);
    if (reentrant) return reentrant;
    const lease = await this.#acquisition.take(key, storeKey, resolved);
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
    if (isKeyList(key)) return this.#multiKey.tryAcquire(key, options);
    const [storeKey, resolved] = this.#prepare('LockEngine.tryAcquire', key, options, acquireSpec);
    const reentrant = this.#reenter(storeKey);
    if (reentrant) return reentrant;
    const lease = await this.#acquisition.take(key, storeKey, { ...resolved, onBusy: 'skip' });
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
    if (isKeyList(key)) return this.#multiKey.withLock(key, fn, options);
    const [storeKey, resolved] = this.#prepare('LockEngine.withLock', key, options, withLockSpec);
    const reentrant = this.#reenter(storeKey);
    if (reentrant) return this.#runHolding(reentrant, storeKey, fn);
    let lease: LockLease | null;
    try {
      lease = await this.#acquisition.take(key, storeKey, resolved);
    } catch (error) {
      const policy = resolved.onStoreError ?? this.#onStoreError;
      if (!(error instanceof LockStoreError) || policy !== 'run') throw error;
      const refusal = this.#refusal(undefined, key);
      if (refusal) throw refusal;
      this.#logger.warn(
        `lockwarden: running "${key}" WITHOUT a lock because the store failed (onStoreError: 'run'): ${String(error.cause)}`,
      );
      const { ttl, storeTimeout } = resolved;
      const now = Date.now();
      const unlocked = new LockLease(null, key, storeKey, '', 0, ttl, false, storeTimeout, now);
      return this.#running.run(async () => fn(unlocked));
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
    this.#admit(where);
    validateKey(where, key);
    // A claim's ttl is never a timer (the claim just expires in the store), so it may be long.
    checkOptions(`${where}("${key}")`, options, claimSpec);
    const { ttl, metadata = DEFAULT_METADATA, storeTimeout = this.#storeTimeout } = options;
    const storeKey = this.#storeKey(key);
    const token = newOwnerToken();
    const calls = this.#calls;
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
    this.#admit(where);
    validateKey(where, key);
    const storeKey = this.#storeKey(key);
    const deleted = await this.#calls.run('forceRelease', key, undefined, this.#storeTimeout, () =>
      this.store.forceRelease(storeKey),
    );
    this.#held.get(storeKey)?.lose('it was force-released');
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
    if (!this.#closing) {
      checkOptions('LockEngine.close', options, closeSpec);
      this.#closing = this.#close(options.timeout ?? DEFAULT_CLOSE_TIMEOUT);
    }
    return this.#closing;
  }

  async #close(timeout: number): Promise<void> {
    this.#state = 'draining';
    this.#waiters.fail(closedEngineError(), (waiter) => !waiter.nested);
    if (timeout > 0) await this.#running.drain(timeout);
    this.#state = 'closed';
    this.#waiters.close(closedEngineError());
    await this.#held.releaseAll();
  }

  /** Why the current call may not take locks (see `close`), or `undefined` if it may. */
  #refusal(where: string | undefined, key?: string): LockConfigError | undefined {
    if (this.#state === 'open' || (this.#state === 'draining' && insideBodyOf(this))) {
      return undefined;
    }
    return closedEngineError(where, key);
  }

  #admit(where: string): void {
    const refusal = this.#refusal(where);
    if (refusal) throw refusal;
  }

  async #inspect(where: string, key: string): Promise<LockInfo | null> {
    this.#admit(where);
    validateKey(where, key);
    const storeKey = this.#storeKey(key);
    return this.#calls.run('inspect', key, undefined, this.#storeTimeout, () =>
      this.store.inspect(storeKey),
    );
  }

  /** Check the call and resolve its options against the engine's defaults. */
  #prepare(
    where: string,
    key: string,
    options: WithLockOptions,
    spec: OptionSpec,
  ): [string, ResolvedAcquireOptions] {
    this.#admit(where);
    validateKey(where, key);
    return [this.#storeKey(key), this.#resolve(where, key, options, spec)];
  }

  /**
   * Check `options` and resolve them against the engine's defaults; messages name the call
   * `where` and its key (or keys).
   */
  #resolve(
    where: string,
    key: string | readonly string[],
    options: WithLockOptions,
    spec: OptionSpec,
  ): ResolvedAcquireOptions {
    // Only withLock's: the same object passed to acquire must still be refused 'skip'.
    const frozen = spec === withLockSpec && isFrozenOptions(options);
    let resolved = frozen ? this.#resolved.get(options) : undefined;
    if (!resolved) {
      const at = `${where}(${typeof key === 'string' ? `"${key}"` : keyListLabel(key)})`;
      checkOptions(at, options, spec);
      resolved = resolveAcquireOptions(
        this.#defaults,
        options,
        DEFAULT_METADATA,
        this.#storeTimeout,
      );
      if (typeof resolved.renewal === 'number') checkInterval(at, resolved.renewal, resolved.ttl);
      if (frozen) this.#resolved.set(options, resolved);
    }
    return resolved;
  }

  #storeKey(key: string): string {
    return storeKeyOf(this.prefix, key);
  }

  #reenter(storeKey: string): Lock | undefined {
    const lock = findHeldInContext(this.#scope, storeKey);
    const lease = lock && leaseOf(lock);
    if (!lease) return undefined;
    lease.holds += 1;
    return lock;
  }

  /** Run `fn` as a body of this engine (counted for `close`), then release `lock`. */
  #runHolding<T>(lock: Lock, storeKey: string, fn: (lock: Lock) => T | PromiseLike<T>): Promise<T> {
    const frame = {
      lock,
      owner: this.#scope,
      engine: this,
      storeKey,
      parent: lockContext.getStore(),
    };
    return this.#running.run(async () => {
      try {
        return await lockContext.run(frame, () => fn(lock));
      } finally {
        await lock.release().catch((error: unknown) => {
          // The work is done; an unreleased lock expires by itself within its ttl.
          this.#emit('error', {
            key: lock.key,
            operation: 'release',
            error:
              error instanceof LockStoreError
                ? error
                : this.#calls.error('release', lock.key, error),
          });
        });
      }
    });
  }

  readonly #emit: EmitEvent = (event, payload) => publishEvent(this, this.#logger, event, payload);
}

/** Whether nothing in `options` (its `autoExtend` object included) can change any more. */
function isFrozenOptions(options: unknown): options is WithLockOptions {
  if (typeof options !== 'object' || options === null || !Object.isFrozen(options)) return false;
  const { autoExtend } = options as WithLockOptions;
  return typeof autoExtend !== 'object' || Object.isFrozen(autoExtend);
}
