import type { LockStore } from '../stores/lock-store';

/**
 * What a caller does when the lock is held by someone else: `'wait'` up to `waitTimeout`,
 * `'throw'` a `LockBusyError` at once, or `'skip'` (resolve `undefined` without running; only
 * where there is something to skip: `withLock`, `@Locked`).
 */
export type BusyPolicy = 'wait' | 'throw' | 'skip';

/** What `withLock` does when the store fails: fail closed (`'throw'`) or run unlocked (`'run'`). */
export type StoreErrorPolicy = 'throw' | 'run';

/** Where the engine writes what it cannot throw (fail-open runs, background store errors). */
export interface LockLogger {
  warn(message: string, ...meta: unknown[]): void;
  error(message: string, ...meta: unknown[]): void;
}

/** Options of one acquisition. */
export interface AcquireOptions {
  /**
   * Time to live of the lock in ms, measured by the store's clock. With `autoExtend` the lock is
   * renewed before it runs out, so this is how long a crashed holder blocks others.
   * @default 30_000
   */
  ttl?: number;
  /**
   * How long to wait for a busy lock in ms; `0` makes exactly one attempt. Any length is fine
   * (also beyond Node's 24.8-day timer limit): long waits are slept in chunks.
   * @default 10_000
   */
  waitTimeout?: number;
  /**
   * Give up after this many retries (attempts after the first), even before `waitTimeout`.
   * @default unlimited (bounded by `waitTimeout`)
   */
  retryCount?: number;
  /**
   * First backoff between attempts in ms, doubled after each attempt (with jitter) up to
   * `max(retryDelay, 1000)`. A release notification or the holder's expiry wakes a waiter
   * earlier, so this is a safety net rather than a polling interval.
   * @default 50
   */
  retryDelay?: number;
  /**
   * Renew the lock while it is held: `true` renews every `ttl / 3` of the latest ttl (so
   * `lock.extend(ttl)` also changes the period); `{ interval }` sets the period in ms (less than
   * `ttl`; if `extend()` later sets a ttl at or below it, the period becomes that ttl / 3);
   * `false` lets it expire after `ttl` (the lock's `signal` then aborts with `LockLostError`).
   * @default true
   */
  autoExtend?: boolean | { interval: number };
  /**
   * `'wait'` waits up to `waitTimeout`; `'throw'` makes one attempt and throws `LockBusyError`.
   * @default 'wait'
   */
  onBusy?: Exclude<BusyPolicy, 'skip'>;
  /**
   * Abort waiting; the acquisition then rejects with the signal's reason.
   * @default undefined (waiting is bounded by `waitTimeout` only)
   */
  signal?: AbortSignal;
  /**
   * A short description of the holder, stored with the lock and shown by `inspect`.
   * @default `${hostname}:${pid}`
   */
  metadata?: string;
  /**
   * Fair (FIFO) lock: waiters for this key, across all processes, get it in the order they
   * started waiting. The queue lives in the store next to the lock. A fair waiter refreshes
   * its place every 250–500 ms (each refresh counts as an attempt for `retryCount`); one that
   * died leaves the queue after 2 s.
   * @default false
   */
  fair?: boolean;
  /**
   * How long one store call (an acquire attempt, and this lock's renewals and release) may take
   * in ms before it fails with `LockStoreError`, independently of `waitTimeout`: a Redis that
   * does not answer makes a call fail fast instead of hanging. An acquire that answers after this
   * and won is released at once. Defaults to the engine's `storeTimeout`.
   * @default 2_000
   */
  storeTimeout?: number;
}

/** Options of `withLock`. */
export interface WithLockOptions extends Omit<AcquireOptions, 'onBusy'> {
  /**
   * `'wait'` and `'throw'` as for `acquire`; `'skip'` resolves `undefined` without calling the
   * function when the lock is busy.
   * @default 'wait'
   */
  onBusy?: BusyPolicy;
  /**
   * When the store fails: `'throw'` rejects with `LockStoreError` (fail closed); `'run'` logs
   * and runs the function without a lock (fail open).
   * @default the engine's `onStoreError` ('throw')
   */
  onStoreError?: StoreErrorPolicy;
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
   * @default {} (the defaults of each acquire option)
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

/** Options of `LockEngine.close`. */
export interface CloseOptions {
  /**
   * How long to wait, in ms, for `withLock` bodies that are running when `close` is called
   * before their locks are released anyway (their `signal` then aborts). Any length is fine.
   * @default 0 (release at once)
   */
  timeout?: number;
}

/** Options of `LockEngine.claim`. */
export interface ClaimOptions {
  /** How long the claim lasts, in ms (it is never renewed or released; it just expires). */
  ttl: number;
  /**
   * Stored with the claim, shown by `inspect`.
   * @default `${hostname}:${pid}`
   */
  metadata?: string;
  /**
   * How long the claim's one store call may take in ms before it fails with `LockStoreError`.
   * @default the engine's `storeTimeout` (2_000)
   */
  storeTimeout?: number;
}

/**
 * How a held lock is renewed: every ttl / 3 (`true`), every so many ms (a number), or not at all
 * (`false`).
 */
export type Renewal = boolean | number;

/** Acquire options after defaults are applied and values checked. */
export interface ResolvedAcquireOptions {
  readonly ttl: number;
  readonly waitTimeout: number;
  readonly retryCount: number;
  readonly retryDelay: number;
  readonly renewal: Renewal;
  readonly storeTimeout: number;
  readonly onBusy: BusyPolicy;
  readonly signal: AbortSignal | undefined;
  readonly metadata: string;
  readonly fair: boolean;
  readonly onStoreError: StoreErrorPolicy | undefined;
}

export const DEFAULT_PREFIX = 'lw';
const DEFAULT_TTL = 30_000;
const DEFAULT_WAIT_TIMEOUT = 10_000;
const DEFAULT_RETRY_DELAY = 50;
export const DEFAULT_STORE_TIMEOUT = 2_000;
export const DEFAULT_CLOSE_TIMEOUT = 0;

/**
 * A private copy of acquire defaults, so changing the object later has no effect (a `ttl: -5` set
 * after construction would otherwise skip validation and reach the store).
 */
export function copyAcquireDefaults(defaults: WithLockOptions): Readonly<WithLockOptions> {
  const copy: WithLockOptions = { ...defaults };
  if (typeof copy.autoExtend === 'object') copy.autoExtend = Object.freeze({ ...copy.autoExtend });
  return Object.freeze(copy);
}

/**
 * Merge engine defaults with call options (call options win) and fill in the rest;
 * `storeTimeout` falls back to the engine's.
 */
export function resolveAcquireOptions(
  defaults: WithLockOptions,
  options: WithLockOptions,
  defaultMetadata: string,
  engineStoreTimeout: number,
): ResolvedAcquireOptions {
  // Field by field, no merged copies: this runs for every lock.
  const autoExtend = options.autoExtend ?? defaults.autoExtend ?? true;
  return {
    ttl: options.ttl ?? defaults.ttl ?? DEFAULT_TTL,
    waitTimeout: options.waitTimeout ?? defaults.waitTimeout ?? DEFAULT_WAIT_TIMEOUT,
    retryCount: options.retryCount ?? defaults.retryCount ?? Number.POSITIVE_INFINITY,
    retryDelay: options.retryDelay ?? defaults.retryDelay ?? DEFAULT_RETRY_DELAY,
    renewal: typeof autoExtend === 'boolean' ? autoExtend : autoExtend.interval,
    storeTimeout: options.storeTimeout ?? defaults.storeTimeout ?? engineStoreTimeout,
    onBusy: options.onBusy ?? defaults.onBusy ?? 'wait',
    signal: options.signal ?? defaults.signal,
    metadata: options.metadata ?? defaults.metadata ?? defaultMetadata,
    fair: options.fair ?? defaults.fair ?? false,
    onStoreError: options.onStoreError ?? defaults.onStoreError,
  };
}

/** A copy of `value` without its `undefined` properties, so they do not override defaults. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
