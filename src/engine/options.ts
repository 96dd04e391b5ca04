import type { LockStore } from '../stores/lock-store';

/**
 * What a caller does when the lock is held by someone else: `'wait'` up to `waitTimeout`,
 * `'throw'` a `LockBusyError` at once, or `'skip'` (resolve `undefined` without running; only
 * where there is something to skip: `withLock`, `@Locked`).
 *
 * @example
 * const onBusy: BusyPolicy = 'skip';
 * await engine.withLock('cache:refresh', refresh, { onBusy }); // busy: someone else refreshes
 */
export type BusyPolicy = 'wait' | 'throw' | 'skip';

/**
 * What `withLock` does when the store fails: fail closed (`'throw'`) or run unlocked (`'run'`).
 *
 * @example
 * const onStoreError: StoreErrorPolicy = 'run'; // idempotent work: better twice than never
 * await engine.withLock('metrics:flush', flush, { onStoreError });
 */
export type StoreErrorPolicy = 'throw' | 'run';

/**
 * Where the engine writes what it cannot throw (fail-open runs, background store errors). Any
 * object with `warn` and `error` fits: `console`, a pino or winston logger, a Nest `Logger`.
 *
 * @example
 * const logger: LockLogger = { warn: (m) => log.warn(m), error: (m, ...meta) => log.error(m, ...meta) };
 * const engine = new LockEngine({ store, logger });
 */
export interface LockLogger {
  /**
   * Something to look into: a fail-open run, a background store error nobody listens to (the
   * `error` event), a store configuration warning.
   * @example
   * logger.warn('lockwarden: running "metrics:flush" WITHOUT a lock because the store failed ...');
   */
  warn(message: string, ...meta: unknown[]): void;
  /**
   * Something failed that nobody else will hear about (an event listener threw).
   * @example
   * logger.error('lockwarden: a "lost" listener threw', error);
   */
  error(message: string, ...meta: unknown[]): void;
}

/**
 * Options of one acquisition (`acquire`, `tryAcquire`); every field falls back to the engine's
 * `defaults`, then to the default shown.
 *
 * @example
 * const opts: AcquireOptions = { ttl: 10_000, waitTimeout: 2_000, metadata: 'billing-worker' };
 * const lock = await engine.acquire('invoice:42', opts);
 */
export interface AcquireOptions {
  /**
   * Time to live of the lock in ms, measured by the store's clock. With `autoExtend` the lock is
   * renewed before it runs out, so this is how long a crashed holder blocks others.
   * @default 30_000
   * @example
   * await engine.acquire('invoice:42', { ttl: 10_000 }); // a crashed holder blocks for 10 s at most
   */
  ttl?: number;
  /**
   * How long to wait for a busy lock in ms; `0` makes exactly one attempt. Any length is fine
   * (also beyond Node's 24.8-day timer limit): long waits are slept in chunks.
   * @default 10_000
   * @example
   * await engine.acquire('invoice:42', { waitTimeout: 0 }); // one attempt, LockTimeoutError if busy
   */
  waitTimeout?: number;
  /**
   * Give up after this many retries (attempts after the first), even before `waitTimeout`.
   * @default unlimited (bounded by `waitTimeout`)
   * @example
   * await engine.acquire('invoice:42', { retryCount: 3 }); // at most 4 attempts in all
   */
  retryCount?: number;
  /**
   * First backoff between attempts in ms, doubled after each attempt (with jitter) up to
   * `max(retryDelay, 1000)`. A release notification or the holder's expiry wakes a waiter
   * earlier, so this is a safety net rather than a polling interval.
   * @default 50
   * @example
   * await engine.acquire('report:daily', { retryDelay: 200, waitTimeout: 60_000 });
   */
  retryDelay?: number;
  /**
   * Renew the lock while it is held: `true` renews every `ttl / 3` of the latest ttl (so
   * `lock.extend(ttl)` also changes the period); `{ interval }` sets the period in ms (less than
   * `ttl`; if `extend()` later sets a ttl at or below it, the period becomes that ttl / 3);
   * `false` lets it expire after `ttl` (the lock's `signal` then aborts with `LockLostError`).
   * @default true
   * @example
   * await engine.acquire('import:run', { ttl: 30_000, autoExtend: { interval: 5_000 } });
   * await engine.acquire('job:once', { ttl: 60_000, autoExtend: false }); // lost after 60 s
   */
  autoExtend?:
    | boolean
    | {
        /** Renewal period in ms: a positive integer less than `ttl`. */
        interval: number;
      };
  /**
   * `'wait'` waits up to `waitTimeout`; `'throw'` makes one attempt and throws `LockBusyError`.
   * @default 'wait'
   * @example
   * await engine.acquire('invoice:42', { onBusy: 'throw' }); // LockBusyError if held elsewhere
   */
  onBusy?: Exclude<BusyPolicy, 'skip'>;
  /**
   * Abort waiting; the acquisition then rejects with the signal's reason.
   * @default undefined (waiting is bounded by `waitTimeout` only)
   * @example
   * await engine.acquire('invoice:42', { signal: AbortSignal.timeout(5_000) });
   */
  signal?: AbortSignal;
  /**
   * A short description of the holder, stored with the lock and shown by `inspect`.
   * @default `${hostname}:${pid}`
   * @example
   * await engine.acquire('invoice:42', { metadata: `billing@${hostname()}` });
   */
  metadata?: string;
  /**
   * Fair (FIFO) lock: waiters for this key, across all processes, get it in the order they
   * started waiting. The queue lives in the store next to the lock. A fair waiter refreshes
   * its place every 250–500 ms (each refresh counts as an attempt for `retryCount`); one that
   * died leaves the queue after 2 s. A release hands the lock straight to the live head; a
   * grant to a waiter that died unnoticed lasts no longer than its place in the queue would have.
   * @default false
   * @example
   * await engine.acquire('printer:3', { fair: true, waitTimeout: 60_000 }); // first come, first served
   */
  fair?: boolean;
  /**
   * How long one store call (an acquire attempt, and this lock's renewals and release) may take
   * in ms before it fails with `LockStoreError`, independently of `waitTimeout`: a Redis that
   * does not answer makes a call fail fast instead of hanging. An acquire that answers after this
   * and won is released at once. Defaults to the engine's `storeTimeout`.
   * @default the engine's `storeTimeout` (2_000)
   * @example
   * await engine.acquire('invoice:42', { storeTimeout: 500 }); // fail fast if Redis hangs
   */
  storeTimeout?: number;
}

/**
 * Options of `withLock` (and the engine's `defaults`): those of {@link AcquireOptions}, plus
 * `'skip'` for `onBusy` and a store failure policy.
 *
 * @example
 * const opts: WithLockOptions = { ttl: 10_000, onBusy: 'skip', onStoreError: 'throw' };
 * await engine.withLock('cache:refresh', refresh, opts);
 */
export interface WithLockOptions extends Omit<AcquireOptions, 'onBusy'> {
  /**
   * `'wait'` and `'throw'` as for `acquire`; `'skip'` resolves `undefined` without calling the
   * function when the lock is busy.
   * @default 'wait'
   * @example
   * const ran = await engine.withLock('cache:refresh', refresh, { onBusy: 'skip' }); // undefined if busy
   */
  onBusy?: BusyPolicy;
  /**
   * When the store fails: `'throw'` rejects with `LockStoreError` (fail closed); `'run'` logs
   * and runs the function without a lock (fail open).
   * @default the engine's `onStoreError` ('throw')
   * @example
   * await engine.withLock('metrics:flush', flush, { onStoreError: 'run' }); // Redis down: run anyway
   */
  onStoreError?: StoreErrorPolicy;
}

/**
 * Options of {@link LockEngine}.
 *
 * @example
 * const engine = new LockEngine({
 *   store: new RedisLockStore(redis),
 *   prefix: 'billing',
 *   defaults: { ttl: 10_000, waitTimeout: 5_000 },
 * });
 */
export interface LockEngineOptions {
  /**
   * Where locks live: a `RedisLockStore`, a `MemoryLockStore`, or any `LockStore`. Required; the
   * engine never closes it.
   * @example
   * new LockEngine({ store: new RedisLockStore(redis) });
   * new LockEngine({ store: new MemoryLockStore() }); // tests, one process
   */
  store: LockStore;
  /**
   * Prepended to every key (`lw:{orders:42}`), so several applications can share one Redis.
   * Must not contain `{` or `}`; `''` for none.
   * @default 'lw'
   * @example
   * new LockEngine({ store, prefix: 'billing' }); // keys look like billing:{orders:42}
   */
  prefix?: string;
  /**
   * Acquire options used when a call does not set them. Copied and checked here: changing the
   * object later has no effect.
   * @default {} (the defaults of each acquire option)
   * @example
   * new LockEngine({ store, defaults: { ttl: 10_000, waitTimeout: 0, onBusy: 'throw' } });
   */
  defaults?: WithLockOptions;
  /**
   * What `withLock` does when the store fails: `'throw'` (fail closed) or `'run'` (run the
   * function unlocked and log it).
   * @default 'throw'
   * @example
   * new LockEngine({ store, onStoreError: 'run' }); // fail open everywhere (logged each time)
   */
  onStoreError?: StoreErrorPolicy;
  /**
   * Receives background failures when nobody listens to the `error` event, fail-open runs, and
   * the store's configuration warnings (such as an evicting Redis `maxmemory-policy`). Must have
   * `warn` and `error` functions.
   * @default console
   * @example
   * new LockEngine({ store, logger: new Logger('Locks') }); // a Nest Logger
   */
  logger?: LockLogger;
  /**
   * How long one store call may take in ms before it fails with `LockStoreError`: every call
   * (acquire attempts, renewals, releases, `inspect`, `isLocked`, `forceRelease`, `claim`,
   * subscriptions), independently of `waitTimeout`. Acquire options (or `defaults`) may set
   * their own.
   * @default 2_000 (or `defaults.storeTimeout` if set)
   * @example
   * new LockEngine({ store, storeTimeout: 1_000 });
   */
  storeTimeout?: number;
}

/**
 * Options of `LockEngine.close`.
 *
 * @example
 * process.once('SIGTERM', () => void engine.close({ timeout: 10_000 }));
 */
export interface CloseOptions {
  /**
   * How long to wait, in ms, for `withLock` bodies that are running when `close` is called
   * before their locks are released anyway (their `signal` then aborts). Any length is fine.
   * @default 0 (release at once)
   * @example
   * await engine.close({ timeout: 30_000 }); // let running work finish, up to 30 s
   */
  timeout?: number;
}

/**
 * Options of `LockEngine.claim`.
 *
 * @example
 * const claimed = await engine.claim(`invoice-mail:${id}`, { ttl: 86_400_000, metadata: 'mailer' });
 */
export interface ClaimOptions {
  /**
   * How long the claim lasts, in ms (it is never renewed or released; it just expires).
   * Required.
   * @example
   * await engine.claim(`tick:${scheduledAt}`, { ttl: 60_000 });
   */
  ttl: number;
  /**
   * Stored with the claim, shown by `inspect`.
   * @default `${hostname}:${pid}`
   * @example
   * await engine.claim(`report:${day}`, { ttl: 86_400_000, metadata: `reporter@${hostname()}` });
   */
  metadata?: string;
  /**
   * How long the claim's one store call may take in ms before it fails with `LockStoreError`.
   * @default the engine's `storeTimeout` (2_000)
   * @example
   * await engine.claim(`report:${day}`, { ttl: 86_400_000, storeTimeout: 500 });
   */
  storeTimeout?: number;
}

// Resolution (defaults applied, values checked) lives in resolve-options.ts.
export type { Renewal, ResolvedAcquireOptions } from './resolve-options';

/** A copy of `value` without its `undefined` properties, so they do not override defaults. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
