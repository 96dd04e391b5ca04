import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AcquireResult, LockInfo, LockStore } from '../stores/lock-store';
import { redactError } from '../stores/redact-error';
import { backoffDelay } from './backoff';
import { findHeldInContext, lockContext } from './context';
import {
  LockBusyError,
  LockConfigError,
  LockStoreError,
  LockTimeoutError,
  type LockLostError,
} from './errors';
import { diagnosticsChannels, type LockEngineEvents, type LockErrorEvent } from './events';
import { KeyWaiters, Waiter } from './key-waiters';
import { LockLease, leaseOf, type Lock, type LeaseHost } from './lock';
import {
  copyAcquireDefaults,
  DEFAULT_STORE_TIMEOUT,
  describeValue,
  optionError,
  resolveAcquireOptions,
  validateAcquireOptions,
  validateEngineSettings,
  validateKey,
  type AcquireOptions,
  type ResolvedAcquireOptions,
  type StoreErrorPolicy,
  type WithLockOptions,
} from './options';
import { RenewalScheduler } from './renewal-scheduler';
import { boundStoreCall, StoreCallTimeout, type StoreCallBound } from './store-call-bound';
import { storeKeyOf } from './store-key';

/** Where the engine writes what it cannot throw (fail-open runs, background store errors). */
export interface LockLogger {
  warn(message: string, ...meta: unknown[]): void;
  error(message: string, ...meta: unknown[]): void;
}

/** Options of {@link LockEngine}. */
export interface LockEngineOptions {
  /** Where locks live: a `RedisLockStore`, a `MemoryLockStore`, or any `LockStore`. */
  store: LockStore;
  /**
   * Prepended to every key (`lw:{orders:42}`), so several applications can share one Redis.
   * Must not contain `{` or `}`; `''` for none.
   * @default 'lw'
   */
  prefix?: string;
  /**
   * Acquire options used when a call does not set them. Copied and checked here: changing the
   * object later has no effect.
   */
  defaults?: WithLockOptions;
  /**
   * What `withLock` does when the store fails: `'throw'` (fail closed) or `'run'` (run the
   * function unlocked and log it).
   * @default 'throw'
   */
  onStoreError?: StoreErrorPolicy;
  /**
   * Receives background failures when nobody listens to the `error` event, fail-open runs, and
   * the store's configuration warnings (such as an evicting Redis `maxmemory-policy`). Must have
   * `warn` and `error` functions.
   * @default console
   */
  logger?: LockLogger;
  /**
   * How long one store call may take in ms before it fails with `LockStoreError`: every call
   * (acquire attempts, renewals, releases, `inspect`, `isLocked`, `forceRelease`, `claim`,
   * subscriptions), independently of `waitTimeout`. Acquire options (or `defaults`) may set
   * their own.
   * @default 2_000
   */
  storeTimeout?: number;
}

/** How long a key stays subscribed to release notifications after its last local waiter left. */
const SUBSCRIPTION_LINGER_MS = 2_000;

/**
 * A fair waiter refreshes its place in the store's queue every 250–500 ms, well within the
 * store's waiter ttl (2 s), so a live waiter is never dropped and a dead one is dropped soon.
 */
const FAIR_REFRESH_MS = 500;

const ENGINE_OPTION_NAMES = [
  'store',
  'prefix',
  'defaults',
  'onStoreError',
  'logger',
  'storeTimeout',
];

const CLAIM_OPTION_NAMES = ['ttl', 'metadata'];

/** What a store call is, for its error message and event. */
type StoreOperation = LockErrorEvent['operation'];

// Engines sharing one store and prefix see the same keys, so reentrancy is scoped to that pair.
const scopes = new WeakMap<LockStore, Map<string, object>>();
function scopeOf(store: LockStore, prefix: string): object {
  let byPrefix = scopes.get(store);
  if (!byPrefix) {
    byPrefix = new Map();
    scopes.set(store, byPrefix);
  }
  let scope = byPrefix.get(prefix);
  if (!scope) {
    scope = {};
    byPrefix.set(prefix, scope);
  }
  return scope;
}

const DEFAULT_METADATA = `${hostname()}:${process.pid}`;

function retriesExhausted(key: string, attempts: number, retryCount: number): LockTimeoutError {
  return new LockTimeoutError(
    `Timed out acquiring lock "${key}": still held by another owner after ${attempts} attempts (retryCount ${retryCount}).`,
    { key },
  );
}

function closedEngineError(where?: string, key?: string): LockConfigError {
  const message = 'LockEngine is closed; create a new engine to take locks.';
  return new LockConfigError(where ? `${where}: ${message}` : message, { key });
}

/**
 * Takes, waits for, renews and releases locks in one {@link LockStore}. Policy lives here
 * (waiting, auto-extension, reentrancy, events); the store only answers atomic questions.
 */
export class LockEngine extends EventEmitter<LockEngineEvents> {
  /** The store this engine uses. */
  readonly store: LockStore;
  /** The key prefix. */
  readonly prefix: string;
  readonly #defaults: Readonly<WithLockOptions>;
  readonly #onStoreError: StoreErrorPolicy;
  readonly #logger: LockLogger;
  readonly #storeTimeout: number;
  readonly #scope: object;
  readonly #held = new Map<string, LockLease>();
  readonly #waiters = new Map<string, KeyWaiters>();
  readonly #scheduler: RenewalScheduler;
  readonly #host: LeaseHost;
  #closed = false;
  #storeChecked = false;

  constructor(options: LockEngineOptions) {
    super();
    const where = 'new LockEngine()';
    if (typeof options !== 'object' || options === null) {
      throw new LockConfigError(`${where}: options must be an object with at least { store }.`);
    }
    for (const name of Object.keys(options)) {
      if (!ENGINE_OPTION_NAMES.includes(name)) {
        throw new LockConfigError(
          `${where}: unknown option "${name}". Known options: ${ENGINE_OPTION_NAMES.join(', ')}.`,
        );
      }
    }
    const {
      store,
      prefix = 'lw',
      defaults = {},
      onStoreError = 'throw',
      logger = console,
      storeTimeout,
    } = options;
    // The store is required here (a module may give a Redis connection instead).
    validateEngineSettings(
      where,
      { store, prefix, defaults, onStoreError, logger, storeTimeout },
      true,
    );
    this.store = store;
    this.prefix = prefix;
    this.#defaults = copyAcquireDefaults(defaults);
    this.#onStoreError = onStoreError;
    this.#logger = logger;
    this.#storeTimeout = storeTimeout ?? defaults.storeTimeout ?? DEFAULT_STORE_TIMEOUT;
    this.#scope = scopeOf(store, prefix);
    this.#host = {
      renew: (lease, ttl) =>
        this.#storeCall('renew', lease.key, lease.token, lease.storeTimeout, () =>
          store.renew(lease.storeKey, lease.token, ttl),
        ),
      release: (lease) =>
        this.#storeCall('release', lease.key, lease.token, lease.storeTimeout, () =>
          store.release(lease.storeKey, lease.token),
        ),
      leaseTimingChanged: (lease) => this.#scheduler.touch(lease),
      leaseExtended: (lease, ttl) => {
        this.#scheduler.touch(lease);
        this.#emit('extended', {
          key: lease.key,
          fence: lease.fence,
          ttl,
          expiresAt: lease.deadline,
        });
      },
      leaseReleased: (lease, released) => this.#leaseEnded(lease, released),
      leaseLost: (lease, error) => this.#leaseLost(lease, error),
    };
    this.#scheduler = new RenewalScheduler(store, {
      bound: (call, timeoutMs, onLate) => boundStoreCall(call, { timeoutMs, onLate, unref: true }),
      renewalFailed: (lease, cause) =>
        this.#emit('error', {
          key: lease.key,
          operation: 'renew',
          error: this.#storeError('renew', lease.key, cause, lease.token),
        }),
    });
  }

  /** Number of locks this engine holds right now. */
  get heldCount(): number {
    return this.#held.size;
  }

  /**
   * Take the lock, waiting per `options` (default: up to 10 s). Rejects with
   * `LockTimeoutError` when the wait runs out, `LockBusyError` with `onBusy: 'throw'`,
   * `LockStoreError` when the store fails, or the signal's reason when `signal` aborts.
   *
   * @example
   * const lock = await engine.acquire('orders:42', { ttl: 10_000 });
   * try { await work(lock.signal); } finally { await lock.release(); }
   */
  async acquire(key: string, options: AcquireOptions = {}): Promise<Lock> {
    const [storeKey, resolved] = this.#prepare('LockEngine.acquire', key, options, [
      'wait',
      'throw',
    ]);
    const reentrant = this.#reenter(storeKey);
    if (reentrant) return reentrant;
    const lease = await this.#acquire(key, storeKey, resolved);
    if (!lease) throw new LockBusyError(`Lock "${key}" is busy (held by another owner).`, { key });
    return lease.lock;
  }

  /** One attempt: the lock, or `null` if someone else holds it. */
  async tryAcquire(key: string, options: AcquireOptions = {}): Promise<Lock | null> {
    const [storeKey, resolved] = this.#prepare('LockEngine.tryAcquire', key, options, [
      'wait',
      'throw',
    ]);
    const reentrant = this.#reenter(storeKey);
    if (reentrant) return reentrant;
    const lease = await this.#acquire(key, storeKey, { ...resolved, onBusy: 'skip' });
    return lease?.lock ?? null;
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
    key: string,
    fn: (lock: Lock) => T | PromiseLike<T>,
    options?: WithLockOptions & { onBusy?: 'wait' | 'throw' },
  ): Promise<T>;
  withLock<T>(
    key: string,
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: WithLockOptions,
  ): Promise<T | undefined>;
  async withLock<T>(
    key: string,
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: WithLockOptions = {},
  ): Promise<T | undefined> {
    if (typeof fn !== 'function') {
      throw new LockConfigError(`LockEngine.withLock: the second argument must be a function.`);
    }
    const [storeKey, resolved] = this.#prepare('LockEngine.withLock', key, options);
    const reentrant = this.#reenter(storeKey);
    if (reentrant) return this.#runHolding(reentrant, storeKey, fn);
    let lease: LockLease | null;
    try {
      lease = await this.#acquire(key, storeKey, resolved);
    } catch (error) {
      if (
        error instanceof LockStoreError &&
        (resolved.onStoreError ?? this.#onStoreError) === 'run'
      ) {
        this.#logger.warn(
          `lockwarden: running "${key}" WITHOUT a lock because the store failed (onStoreError: 'run'): ${String(error.cause)}`,
        );
        const unlocked = new LockLease(
          null,
          key,
          storeKey,
          '',
          0,
          resolved.ttl,
          false,
          resolved.storeTimeout,
          Date.now(),
        );
        return fn(unlocked.lock);
      }
      throw error;
    }
    if (!lease) {
      if (resolved.onBusy === 'skip') return undefined;
      throw new LockBusyError(`Lock "${key}" is busy (held by another owner).`, { key });
    }
    return this.#runHolding(lease.lock, storeKey, fn);
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
    options: { ttl: number; metadata?: string },
  ): Promise<{ fence: number } | null> {
    const where = 'LockEngine.claim';
    if (this.#closed) throw closedEngineError(where);
    validateKey(where, key);
    const at = `${where}("${key}")`;
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new LockConfigError(
        `${at}: options must be an object with the claim's ttl ({ ttl: <ms> }), got ${describeValue(options)}.`,
        { key },
      );
    }
    for (const name of Object.keys(options)) {
      if (!CLAIM_OPTION_NAMES.includes(name)) {
        throw new LockConfigError(
          `${at}: unknown option "${name}". Known options: ${CLAIM_OPTION_NAMES.join(', ')}.`,
          { key },
        );
      }
    }
    // A claim's ttl is never a timer (the claim just expires in the store), so it may be long.
    validateAcquireOptions(at, options);
    const { ttl, metadata = DEFAULT_METADATA } = options;
    if (ttl === undefined) throw optionError(at, 'ttl', 'given', ttl);
    const storeKey = this.#storeKey(key);
    const token = randomBytes(16).toString('base64url');
    const result = await this.#storeCall(
      'acquire',
      key,
      token,
      this.#storeTimeout,
      () => this.store.acquire(storeKey, token, ttl, { metadata, once: true }),
      // A claim granted after we gave up would block every replica for nothing: undo it.
      { onLate: (late) => this.#releaseLate(storeKey, token, late) },
    );
    return result.acquired ? { fence: result.fence } : null;
  }

  /** Whether someone (anyone) holds the lock now. */
  async isLocked(key: string): Promise<boolean> {
    return (await this.#inspect('LockEngine.isLocked', key)) !== null;
  }

  /** The lock's ttl, fence, holder count and metadata, or `null` if free. Never the token. */
  inspect(key: string): Promise<LockInfo | null> {
    return this.#inspect('LockEngine.inspect', key);
  }

  /**
   * Delete the lock whoever holds it and wake waiters. For operators recovering from a stuck
   * holder; the holder finds out at its next renewal. Resolves whether a lock was deleted.
   */
  async forceRelease(key: string): Promise<boolean> {
    const where = 'LockEngine.forceRelease';
    if (this.#closed) throw closedEngineError(where);
    validateKey(where, key);
    const storeKey = this.#storeKey(key);
    const deleted = await this.#storeCall('forceRelease', key, undefined, this.#storeTimeout, () =>
      this.store.forceRelease(storeKey),
    );
    this.#held.get(storeKey)?.lose('it was force-released');
    return deleted;
  }

  /**
   * Stop: reject pending waiters, stop renewals, release the locks this engine holds, and close
   * what the store opened (a client you passed to the store stays open).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closedError = closedEngineError();
    for (const waiters of this.#waiters.values()) {
      for (const waiter of waiters.queue) waiter.fail(closedError);
      for (const waiter of waiters.fair.values()) waiter.fail(closedError);
      if (waiters.lingerTimer) clearTimeout(waiters.lingerTimer);
      waiters.unsubscribe?.();
    }
    this.#waiters.clear();
    this.#scheduler.close();
    await Promise.all([...this.#held.values()].map((lease) => lease.release().catch(() => false)));
    await this.store.close?.();
  }

  async #inspect(where: string, key: string): Promise<LockInfo | null> {
    if (this.#closed) throw closedEngineError(where);
    validateKey(where, key);
    const storeKey = this.#storeKey(key);
    return this.#storeCall('inspect', key, undefined, this.#storeTimeout, () =>
      this.store.inspect(storeKey),
    );
  }

  #prepare(
    where: string,
    key: string,
    options: WithLockOptions,
    busyPolicies?: readonly string[],
  ): [string, ResolvedAcquireOptions] {
    if (this.#closed) throw closedEngineError(where);
    validateKey(where, key);
    if (typeof options !== 'object' || options === null) {
      throw new LockConfigError(`${where}("${key}"): options must be an object.`);
    }
    validateAcquireOptions(
      `${where}("${key}")`,
      options as Record<string, unknown>,
      [],
      busyPolicies,
    );
    const resolved = resolveAcquireOptions(
      this.#defaults,
      options,
      DEFAULT_METADATA,
      this.#storeTimeout,
    );
    const { renewal, ttl } = resolved;
    if (typeof renewal === 'number' && renewal >= ttl) {
      throw optionError(
        `${where}("${key}")`,
        'autoExtend.interval',
        `less than ttl (${ttl} ms) so the lock is renewed before it expires`,
        renewal,
      );
    }
    return [this.#storeKey(key), resolved];
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

  async #runHolding<T>(
    lock: Lock,
    storeKey: string,
    fn: (lock: Lock) => T | PromiseLike<T>,
  ): Promise<T> {
    const frame = { lock, owner: this.#scope, storeKey, parent: lockContext.getStore() };
    try {
      return await lockContext.run(frame, () => fn(lock));
    } finally {
      await lock.release().catch((error: unknown) => {
        // The work is done; an unreleased lock expires by itself within its ttl.
        this.#emit('error', {
          key: lock.key,
          operation: 'release',
          error:
            error instanceof LockStoreError ? error : this.#storeError('release', lock.key, error),
        });
      });
    }
  }

  /** Take the lock per `o.onBusy`: `'skip'` and `'throw'` make one attempt (`null` if busy). */
  async #acquire(
    key: string,
    storeKey: string,
    o: ResolvedAcquireOptions,
  ): Promise<LockLease | null> {
    o.signal?.throwIfAborted();
    if (o.fair && !this.store.dequeue) {
      throw new LockConfigError(
        `Lock "${key}": option "fair" needs a store with a fair queue (RedisLockStore, MemoryLockStore); this store has no dequeue().`,
        { key },
      );
    }
    const token = randomBytes(16).toString('base64url');
    const startedAt = Date.now();
    const single = o.onBusy !== 'wait' || o.waitTimeout === 0;
    // Plain newcomers queue behind local waiters instead of barging. Fair ones always try at
    // once: the attempt is what puts them in the store's queue, which decides the order.
    const queuedLocally =
      !o.fair && ((this.#waiters.get(storeKey)?.queue.length ?? 0) > 0 || this.#held.has(storeKey));
    let attempts = 0;
    let holderTtl = -1;
    let queuedInStore = false;
    if (!queuedLocally || single) {
      const result = await this.#attempt(key, storeKey, token, o, 1, startedAt, single);
      if (result.acquired) return result.lease;
      if (single) {
        if (o.onBusy === 'wait') {
          throw new LockTimeoutError(
            `Timed out acquiring lock "${key}": it is held by another owner and waitTimeout is 0.`,
            { key },
          );
        }
        return null;
      }
      attempts = 1;
      holderTtl = result.ttl;
      queuedInStore = result.queued === true;
      if (attempts > o.retryCount) {
        if (queuedInStore) await this.#dequeue(key, storeKey, token, o.storeTimeout);
        throw retriesExhausted(key, attempts, o.retryCount);
      }
    }
    return this.#wait(key, storeKey, token, o, startedAt, attempts, holderTtl, queuedInStore);
  }

  async #wait(
    key: string,
    storeKey: string,
    token: string,
    o: ResolvedAcquireOptions,
    startedAt: number,
    attempts: number,
    holderTtl: number,
    queuedInStore: boolean,
  ): Promise<LockLease> {
    const waiters = this.#waitersFor(storeKey);
    const waiter = new Waiter(o.signal);
    if (waiters.lingerTimer) {
      clearTimeout(waiters.lingerTimer);
      waiters.lingerTimer = undefined;
    }
    // A waiter in the store's fair queue waits for its own turn; a plain one waits in the local
    // queue, where only the head makes attempts.
    let fair = queuedInStore;
    if (fair) waiters.fair.set(token, waiter);
    else waiters.queue.push(waiter);
    const deadline = startedAt + o.waitTimeout;
    let attemptNow = false;
    let won = false;
    try {
      if (!waiters.unsubscribe) {
        await this.#subscribe(key, storeKey, waiters, o.storeTimeout);
        // A release between our failed attempt and the subscription would go unheard: retry.
        attemptNow = attempts > 0;
      }
      for (;;) {
        if (attemptNow && (fair || waiters.head === waiter)) {
          attemptNow = false;
          waiter.woken = false;
          const result = await this.#attempt(key, storeKey, token, o, attempts + 1, startedAt);
          attempts += 1;
          if (result.acquired) {
            won = true;
            return result.lease;
          }
          holderTtl = result.ttl;
          if (result.queued && !fair) {
            // We joined the store's fair queue (someone queued fairly before us): from now on
            // our turn comes from the queue, and the next local waiter may try.
            fair = true;
            if (waiters.remove(waiter) && !this.#held.has(storeKey)) waiters.head?.wake();
            waiters.fair.set(token, waiter);
          }
          if (attempts > o.retryCount) throw retriesExhausted(key, attempts, o.retryCount);
        }
        const now = Date.now();
        if (now >= deadline) {
          throw new LockTimeoutError(
            `Timed out acquiring lock "${key}": still held by another owner after waiting ${now - startedAt} ms (waitTimeout ${o.waitTimeout} ms).`,
            { key },
          );
        }
        // Only a waiter that may attempt has a reason to wake before its deadline: at the
        // holder's expiry, and on its backoff (plain) or queue refresh (fair, well before the
        // store forgets it).
        const mayAttempt = fair || waiters.head === waiter;
        let sleep = deadline - now;
        if (mayAttempt) {
          sleep = Math.min(
            sleep,
            fair
              ? FAIR_REFRESH_MS / 2 + Math.random() * (FAIR_REFRESH_MS / 2)
              : backoffDelay(o.retryDelay, Math.max(1, attempts)),
          );
          if (holderTtl >= 0) sleep = Math.min(sleep, holderTtl + 1);
        }
        await waiter.sleep(sleep);
        if (fair || waiters.head === waiter) attemptNow = true;
      }
    } finally {
      if (fair) {
        waiters.fair.delete(token);
        // Give our place up before the caller hears that we gave up, so the queue does not
        // wait for our deadline even if the process exits right after. Bounded: a store that
        // does not answer must not hold the rejection (the entry then expires by itself).
        if (!won) await this.#dequeue(key, storeKey, token, o.storeTimeout);
      } else {
        const wasHead = waiters.remove(waiter);
        // Promote the next local waiter. If we now hold the lock, it is woken by our release.
        if (wasHead && !this.#held.has(storeKey)) waiters.head?.wake();
      }
      this.#releaseWaitersIfIdle(storeKey, waiters);
    }
  }

  async #attempt(
    key: string,
    storeKey: string,
    token: string,
    o: ResolvedAcquireOptions,
    attempt: number,
    startedAt: number,
    once = false,
  ): Promise<
    { acquired: true; lease: LockLease } | { acquired: false; ttl: number; queued?: boolean }
  > {
    const sentAt = Date.now();
    const result = await this.#storeCall(
      'acquire',
      key,
      token,
      o.storeTimeout,
      () =>
        this.store.acquire(storeKey, token, o.ttl, { metadata: o.metadata, fair: o.fair, once }),
      // Nothing may stay locked on the way out: a grant that comes after we gave up is undone.
      { signal: o.signal, onLate: (late) => this.#releaseLate(storeKey, token, late) },
    );
    if (!result.acquired) {
      this.#emit('contended', { key, holderTtl: result.ttl, attempt });
      return result;
    }
    const lease = new LockLease(
      this.#host,
      key,
      storeKey,
      token,
      result.fence,
      o.ttl,
      o.renewal,
      o.storeTimeout,
      sentAt,
    );
    this.#held.set(storeKey, lease);
    this.#scheduler.add(lease);
    if (this.#closed || o.signal?.aborted) {
      // Nothing may stay locked on the way out.
      await lease.release().catch(() => false);
      if (o.signal?.aborted) throw o.signal.reason;
      throw closedEngineError(undefined, key);
    }
    this.#emit('acquired', {
      key,
      fence: result.fence,
      attempts: attempt,
      waitedMs: sentAt - startedAt,
      ...(result.ticket === undefined ? {} : { ticket: result.ticket }),
    });
    return { acquired: true, lease };
  }

  /**
   * One store call, bounded by `timeoutMs` and `signal`. A failure or a timeout becomes a
   * `LockStoreError` that carries no owner token; the signal's reason passes through as is.
   */
  async #storeCall<T>(
    operation: StoreOperation,
    key: string,
    token: string | undefined,
    timeoutMs: number,
    run: () => Promise<T>,
    extra: Omit<StoreCallBound<T>, 'timeoutMs'> = {},
  ): Promise<T> {
    this.#checkStoreOnce();
    // A store that throws instead of rejecting is treated the same.
    const call = (async () => run())();
    try {
      return await boundStoreCall(call, { timeoutMs, ...extra });
    } catch (cause) {
      if (extra.signal?.aborted && cause === extra.signal.reason) throw cause;
      throw this.#storeError(operation, key, cause, token);
    }
  }

  /** An acquire answered after its caller gave up; if it won, give the lock back. */
  #releaseLate(storeKey: string, token: string, late: AcquireResult): void {
    if (!late.acquired) return;
    try {
      this.store.release(storeKey, token).catch(() => false);
    } catch {
      // Best effort: the lock expires by itself within its ttl.
    }
  }

  /**
   * Ask the store once, at its first use by this engine, whether its configuration threatens
   * lock safety, and log what it says. Never blocks or fails a lock operation.
   */
  #checkStoreOnce(): void {
    if (this.#storeChecked) return;
    this.#storeChecked = true;
    if (typeof this.store.checkConfiguration !== 'function') return;
    let warnings: Promise<readonly string[]>;
    try {
      warnings = Promise.resolve(this.store.checkConfiguration());
    } catch {
      return;
    }
    warnings.then(
      (list) => {
        for (const warning of Array.isArray(list) ? list : []) {
          this.#logger.warn(`lockwarden: ${String(warning)}`);
        }
      },
      () => undefined,
    );
  }

  /**
   * Subscribe to the key's release notifications, waiting at most `timeoutMs` for the store to
   * confirm; a subscription that comes later still takes effect.
   */
  async #subscribe(
    key: string,
    storeKey: string,
    waiters: KeyWaiters,
    timeoutMs: number,
  ): Promise<void> {
    const store = this.store;
    if (!store.onRelease || waiters.unsubscribe) return;
    const install = (unsubscribe: () => void): void => {
      if (this.#closed || this.#waiters.get(storeKey) !== waiters || waiters.unsubscribe) {
        unsubscribe();
      } else {
        waiters.unsubscribe = unsubscribe;
      }
    };
    waiters.subscribing ??= this.#storeCall(
      'subscribe',
      key,
      undefined,
      timeoutMs,
      () => store.onRelease!(storeKey, (next) => this.#released(storeKey, next)),
      // A subscription confirmed after the bound still delivers notifications.
      { onLate: install },
    )
      .then(install, (error: unknown) => {
        // Without notifications waiters still wake on the holder's ttl and the backoff.
        this.#emit('error', { key, operation: 'subscribe', error: error as LockStoreError });
      })
      .finally(() => {
        waiters.subscribing = undefined;
      });
    await waiters.subscribing;
  }

  /**
   * Leave the store's fair queue, waiting at most `timeoutMs` (a store that does not answer must
   * not hold the caller's rejection; the entry then expires by itself).
   */
  async #dequeue(key: string, storeKey: string, token: string, timeoutMs: number): Promise<void> {
    const store = this.store;
    if (!store.dequeue) return;
    await this.#storeCall('dequeue', key, token, timeoutMs, () =>
      store.dequeue!(storeKey, token),
    ).catch((error: unknown) =>
      this.#emit('error', { key, operation: 'dequeue', error: error as LockStoreError }),
    );
  }

  #waitersFor(storeKey: string): KeyWaiters {
    let waiters = this.#waiters.get(storeKey);
    if (!waiters) {
      waiters = new KeyWaiters();
      this.#waiters.set(storeKey, waiters);
    }
    return waiters;
  }

  /** Drop a key's queue once nobody waits; keep its subscription a little for the next wait. */
  #releaseWaitersIfIdle(storeKey: string, waiters: KeyWaiters): void {
    if (waiters.queue.length > 0 || waiters.fair.size > 0 || waiters.lingerTimer) return;
    if (!waiters.unsubscribe && !waiters.subscribing) {
      if (this.#waiters.get(storeKey) === waiters) this.#waiters.delete(storeKey);
      return;
    }
    waiters.lingerTimer = setTimeout(() => {
      waiters.lingerTimer = undefined;
      if (waiters.queue.length > 0 || waiters.fair.size > 0) return;
      waiters.unsubscribe?.();
      waiters.unsubscribe = undefined;
      if (this.#waiters.get(storeKey) === waiters) this.#waiters.delete(storeKey);
    }, SUBSCRIPTION_LINGER_MS);
    waiters.lingerTimer.unref();
  }

  #wakeHead(storeKey: string): void {
    this.#waiters.get(storeKey)?.head?.wake();
  }

  /** A release was announced; `next` is the fair waiter whose turn it is, if any. */
  #released(storeKey: string, next: string | undefined): void {
    const waiters = this.#waiters.get(storeKey);
    if (!waiters) return;
    if (next !== undefined) {
      waiters.fair.get(next)?.wake();
    } else {
      // Nobody is queued in the store (our entries expired): any fair waiter may take it.
      for (const waiter of waiters.fair.values()) waiter.wake();
    }
    // A plain head tries too; if a queue exists it joins it instead of barging.
    waiters.head?.wake();
  }

  /** A lease ended (released or lost): stop tracking it and let the next local waiter try. */
  #forget(lease: LockLease): void {
    if (this.#held.get(lease.storeKey) === lease) this.#held.delete(lease.storeKey);
    this.#scheduler.delete(lease);
    // In-process hand-off: no need to wait for the pub/sub echo of our own release.
    this.#wakeHead(lease.storeKey);
  }

  #leaseEnded(lease: LockLease, released: boolean): void {
    this.#forget(lease);
    if (released) {
      this.#emit('released', {
        key: lease.key,
        fence: lease.fence,
        heldMs: Date.now() - lease.acquiredAt,
      });
    }
  }

  #leaseLost(lease: LockLease, error: LockLostError): void {
    this.#forget(lease);
    this.#emit('lost', { key: lease.key, fence: lease.fence, error });
  }

  /**
   * The `LockStoreError` for a failed store call. The cause is a redacted copy (the client may
   * attach the command's arguments, the owner token among them, to its errors): nothing an
   * error, event or log line carries reveals `token`.
   */
  #storeError(
    operation: StoreOperation,
    key: string,
    cause: unknown,
    token?: string,
  ): LockStoreError {
    if (cause instanceof StoreCallTimeout) {
      return new LockStoreError(
        `Lock store did not answer within ${cause.timeoutMs} ms (storeTimeout) during ${operation} of "${key}".`,
        { key, cause },
      );
    }
    const redacted = redactError(cause, token === undefined ? [] : [token]);
    return new LockStoreError(
      `Lock store failed during ${operation} of "${key}": ${redacted.message}`,
      { key, cause: redacted },
    );
  }

  #emit<E extends keyof LockEngineEvents>(event: E, payload: LockEngineEvents[E][0]): void {
    const channel = diagnosticsChannels[event];
    if (channel.hasSubscribers) channel.publish(payload);
    if (this.listenerCount(event) === 0) {
      // An unlistened 'error' would crash the process; it goes to the logger instead.
      if (event === 'error')
        this.#logger.warn(`lockwarden: ${(payload as LockErrorEvent).error.message}`);
      return;
    }
    try {
      (this.emit as (event: string, payload: unknown) => boolean)(event, payload);
    } catch (error) {
      this.#logger.error(`lockwarden: a "${event}" listener threw`, error);
    }
  }
}
