import { LockConfigError, LockKeyError } from './errors';

/** How a caller reacts when the lock is held by someone else. */
export type BusyPolicy = 'wait' | 'throw';

/** What `withLock` does when the store fails: fail closed (`'throw'`) or run unlocked (`'run'`). */
export type StoreErrorPolicy = 'throw' | 'run';

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
  onBusy?: BusyPolicy;
  /** Abort waiting; the acquisition then rejects with the signal's reason. */
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
  onBusy?: BusyPolicy | 'skip';
  /**
   * When the store fails: `'throw'` rejects with `LockStoreError` (fail closed); `'run'` logs
   * and runs the function without a lock (fail open). Defaults to the engine's policy.
   */
  onStoreError?: StoreErrorPolicy;
}

/**
 * How a held lock is renewed: every ttl / 3 (`true`), every so many ms (a number), or not at all
 * (`false`).
 */
export type RenewalPlan = boolean | number;

/** Acquire options after defaults are applied and values checked. */
export interface ResolvedAcquireOptions {
  ttl: number;
  waitTimeout: number;
  retryCount: number;
  retryDelay: number;
  renewal: RenewalPlan;
  storeTimeout: number;
  onBusy: BusyPolicy | 'skip';
  signal: AbortSignal | undefined;
  metadata: string;
  fair: boolean;
  onStoreError: StoreErrorPolicy | undefined;
}

export const DEFAULT_TTL = 30_000;
export const DEFAULT_WAIT_TIMEOUT = 10_000;
export const DEFAULT_RETRY_DELAY = 50;
export const DEFAULT_STORE_TIMEOUT = 2_000;
export const MAX_KEY_BYTES = 1024;
export const MAX_METADATA_BYTES = 1024;

const ACQUIRE_OPTION_NAMES = [
  'ttl',
  'waitTimeout',
  'retryCount',
  'retryDelay',
  'autoExtend',
  'onBusy',
  'signal',
  'metadata',
  'fair',
  'onStoreError',
  'storeTimeout',
] as const;

/** Option names accepted by `acquire`, `tryAcquire` and `withLock`. */
export const acquireOptionNames: readonly string[] = ACQUIRE_OPTION_NAMES;

/** A short, log-safe rendering of a bad value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 40
      ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)`
      : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/**
 * The error for one bad option. `where` names the call site, e.g.
 * `LockEngine.acquire("orders:42")` or `@Locked on Billing.charge`, so the message says where
 * to change it.
 */
export function optionError(where: string, option: string, expected: string, value: unknown) {
  return new LockConfigError(
    `${where}: option "${option}" must be ${expected}, got ${describeValue(value)}.`,
  );
}

/**
 * Validate acquire options without applying defaults. Unknown names are refused so a typo such
 * as `timeout` does not silently fall back to a default. `extraNames` are accepted as-is (the
 * decorator layer adds its own).
 */
export function validateAcquireOptions(
  where: string,
  options: Record<string, unknown>,
  extraNames: readonly string[] = [],
  busyPolicies: readonly string[] = ['wait', 'throw', 'skip'],
): void {
  for (const name of Object.keys(options)) {
    if (!(ACQUIRE_OPTION_NAMES as readonly string[]).includes(name) && !extraNames.includes(name)) {
      throw new LockConfigError(
        `${where}: unknown option "${name}". Known options: ${[...ACQUIRE_OPTION_NAMES, ...extraNames].join(', ')}.`,
      );
    }
  }
  const { ttl, waitTimeout, retryCount, retryDelay, autoExtend, onBusy, signal, metadata } =
    options;
  if (ttl !== undefined && !(isInteger(ttl) && ttl > 0)) {
    throw optionError(where, 'ttl', 'a positive integer number of milliseconds', ttl);
  }
  if (waitTimeout !== undefined && !(isInteger(waitTimeout) && waitTimeout >= 0)) {
    throw optionError(where, 'waitTimeout', 'an integer number of milliseconds >= 0', waitTimeout);
  }
  if (retryCount !== undefined && !(isInteger(retryCount) && retryCount >= 0)) {
    throw optionError(where, 'retryCount', 'an integer >= 0', retryCount);
  }
  if (retryDelay !== undefined && !(isInteger(retryDelay) && retryDelay > 0)) {
    throw optionError(where, 'retryDelay', 'a positive integer number of milliseconds', retryDelay);
  }
  if (autoExtend !== undefined && typeof autoExtend !== 'boolean') {
    const interval =
      typeof autoExtend === 'object' && autoExtend !== null
        ? (autoExtend as { interval?: unknown }).interval
        : undefined;
    if (!(isInteger(interval) && interval > 0)) {
      throw optionError(
        where,
        'autoExtend',
        'true, false or { interval: <positive integer ms> }',
        autoExtend,
      );
    }
    // Only against a ttl given alongside; the engine checks the merged options at call time,
    // when its own defaults are known.
    if (isInteger(ttl) && interval >= ttl) {
      throw optionError(
        where,
        'autoExtend.interval',
        `less than ttl (${ttl} ms) so the lock is renewed before it expires`,
        interval,
      );
    }
  }
  if (onBusy !== undefined && !(typeof onBusy === 'string' && busyPolicies.includes(onBusy))) {
    throw optionError(
      where,
      'onBusy',
      `one of ${busyPolicies.map((p) => `'${p}'`).join(', ')}`,
      onBusy,
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw optionError(where, 'signal', 'an AbortSignal', signal);
  }
  if (metadata !== undefined) {
    if (typeof metadata !== 'string' || Buffer.byteLength(metadata) > MAX_METADATA_BYTES) {
      throw optionError(
        where,
        'metadata',
        `a string of at most ${MAX_METADATA_BYTES} bytes`,
        metadata,
      );
    }
  }
  const fair = options['fair'];
  if (fair !== undefined && typeof fair !== 'boolean') {
    throw optionError(where, 'fair', 'true or false', fair);
  }
  const onStoreError = options['onStoreError'];
  if (onStoreError !== undefined && onStoreError !== 'throw' && onStoreError !== 'run') {
    throw optionError(where, 'onStoreError', "'throw' or 'run'", onStoreError);
  }
  validateStoreTimeout(where, options['storeTimeout']);
}

function validateStoreTimeout(where: string, storeTimeout: unknown): void {
  if (storeTimeout !== undefined && !(isInteger(storeTimeout) && storeTimeout > 0)) {
    throw optionError(
      where,
      'storeTimeout',
      'a positive integer number of milliseconds',
      storeTimeout,
    );
  }
}

/**
 * The renewal period of a lock whose latest ttl is `ttl`, or `null` without renewal. A given
 * interval keeps its period while it is below the ttl; once `extend()` shortens the ttl to it or
 * below, the lock is renewed every ttl / 3 instead, so it cannot expire between two renewals.
 */
export function renewIntervalFor(plan: RenewalPlan, ttl: number): number | null {
  if (plan === false) return null;
  if (plan !== true && plan < ttl) return plan;
  return Math.max(1, Math.floor(ttl / 3));
}

const STORE_METHODS = ['acquire', 'renew', 'release', 'inspect', 'forceRelease'] as const;

/**
 * Check the engine settings shared by `new LockEngine()` and `LockModule`, each one only when
 * given (`store` always with `requireStore`): `store`, `prefix`, `defaults`, `onStoreError`,
 * `logger` and `storeTimeout`.
 */
export function validateEngineSettings(
  where: string,
  settings: {
    store?: unknown;
    prefix?: unknown;
    defaults?: unknown;
    onStoreError?: unknown;
    logger?: unknown;
    storeTimeout?: unknown;
  },
  requireStore = false,
): void {
  const { store, prefix, defaults, onStoreError, logger, storeTimeout } = settings;
  if (store !== undefined || requireStore) {
    const s = store as Record<string, unknown> | null;
    if (
      typeof s !== 'object' ||
      s === null ||
      STORE_METHODS.some((m) => typeof s[m] !== 'function')
    ) {
      throw optionError(
        where,
        'store',
        'a LockStore (a RedisLockStore, a MemoryLockStore, or an object with acquire, renew, release, inspect and forceRelease)',
        store,
      );
    }
  }
  if (
    prefix !== undefined &&
    (typeof prefix !== 'string' || /[{}]/.test(prefix) || Buffer.byteLength(prefix) > 128)
  ) {
    throw optionError(where, 'prefix', 'a string of at most 128 bytes without "{" or "}"', prefix);
  }
  if (defaults !== undefined) {
    if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) {
      throw optionError(where, 'defaults', 'an object of acquire options', defaults);
    }
    validateAcquireOptions(`${where} defaults`, defaults as Record<string, unknown>);
  }
  if (onStoreError !== undefined && onStoreError !== 'throw' && onStoreError !== 'run') {
    throw optionError(where, 'onStoreError', "'throw' or 'run'", onStoreError);
  }
  if (logger !== undefined) {
    const l = logger as Record<string, unknown> | null;
    if (
      typeof l !== 'object' ||
      l === null ||
      !LOGGER_METHODS.every((m) => typeof l[m] === 'function')
    ) {
      throw optionError(
        where,
        'logger',
        'an object with warn(message) and error(message) functions (console, a Nest Logger, pino, ...)',
        logger,
      );
    }
  }
  validateStoreTimeout(where, storeTimeout);
  const defaultTimeout = (defaults as { storeTimeout?: unknown } | undefined)?.storeTimeout;
  if (
    storeTimeout !== undefined &&
    defaultTimeout !== undefined &&
    defaultTimeout !== storeTimeout
  ) {
    throw new LockConfigError(
      `${where}: storeTimeout is given twice (${describeValue(storeTimeout)}, and ${describeValue(defaultTimeout)} in defaults); give it once.`,
    );
  }
}

const LOGGER_METHODS = ['warn', 'error'] as const;

/**
 * A private copy of acquire defaults, so changing the object later has no effect (a `ttl: -5` set
 * after construction would otherwise skip validation and reach the store).
 */
export function copyAcquireDefaults(defaults: WithLockOptions): Readonly<WithLockOptions> {
  const copy: WithLockOptions = { ...defaults };
  if (typeof copy.autoExtend === 'object') copy.autoExtend = Object.freeze({ ...copy.autoExtend });
  return Object.freeze(copy);
}

/** Check a lock key: a non-empty, well-formed string of at most {@link MAX_KEY_BYTES} bytes. */
export function validateKey(
  where: string,
  key: unknown,
  ErrorClass: typeof LockConfigError | typeof LockKeyError = LockConfigError,
): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ErrorClass(
      `${where}: the lock key must be a non-empty string, got ${describeValue(key)}.`,
    );
  }
  if (!(key as WellFormedCheck).isWellFormed()) {
    // Redis stores UTF-8, where every lone surrogate becomes U+FFFD: 'a\uD800' and 'a\uD801'
    // would be one lock.
    throw new LockKeyError(
      `${where}: the lock key ${describeValue(key)} is not well-formed UTF-16 (it contains a lone surrogate, which Redis would store as U+FFFD, merging it with other keys); build keys from whole characters, or escape raw values with escapeKeyValue().`,
    );
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short keys need no byte count.
  if (key.length * 3 <= MAX_KEY_BYTES) return;
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_KEY_BYTES) {
    throw new ErrorClass(
      `${where}: the lock key "${key.slice(0, 40)}…" is ${bytes} bytes; keys are limited to ${MAX_KEY_BYTES} bytes (hash long identifiers into the key).`,
    );
  }
}

/** `String.prototype.isWellFormed` (Node 20+; not in the ES2022 typings). */
type WellFormedCheck = string & { isWellFormed(): boolean };

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
  const merged: WithLockOptions = { ...defaults, ...stripUndefined(options) };
  const autoExtend = merged.autoExtend ?? true;
  return {
    ttl: merged.ttl ?? DEFAULT_TTL,
    waitTimeout: merged.waitTimeout ?? DEFAULT_WAIT_TIMEOUT,
    retryCount: merged.retryCount ?? Number.POSITIVE_INFINITY,
    retryDelay: merged.retryDelay ?? DEFAULT_RETRY_DELAY,
    renewal: typeof autoExtend === 'boolean' ? autoExtend : autoExtend.interval,
    storeTimeout: merged.storeTimeout ?? engineStoreTimeout,
    onBusy: merged.onBusy ?? 'wait',
    signal: merged.signal,
    metadata: merged.metadata ?? defaultMetadata,
    fair: merged.fair ?? false,
    onStoreError: merged.onStoreError,
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
