import type { AcquireOptions, BusyPolicy, WithLockOptions } from '../../engine/options';
import { acquireChecks, intervalBelowTtl, type OptionSpec } from '../../engine/validate';

/**
 * Options of `LockService.createLock`: the {@link AcquireOptions} a hand-held handle uses, with
 * two defaults of its own (`retryDelay`, `autoExtend`).
 *
 * @example
 * const lock = locks.createLock(`export:${id}`, { ttl: 60_000, waitTimeout: 0 });
 */
export interface CreateLockOptions extends Pick<
  AcquireOptions,
  'ttl' | 'retryCount' | 'waitTimeout' | 'metadata' | 'fair' | 'storeTimeout'
> {
  /**
   * As {@link AcquireOptions.retryDelay}.
   * @default 250 (or the module's `defaults.retryDelay`)
   */
  retryDelay?: AcquireOptions['retryDelay'];
  /**
   * As {@link AcquireOptions.autoExtend}. Off by default: the handle's owner manages the expiry
   * with `extend()` and `getRemainingTime()`.
   * @default false
   */
  autoExtend?: AcquireOptions['autoExtend'];
}

/**
 * Options of `LockService.withLock` and `runWithLock`: the engine's {@link WithLockOptions},
 * without `onBusy: 'skip'` (`runWithLock` is the way to skip a busy lock).
 */
export interface LockServiceWithLockOptions extends Omit<WithLockOptions, 'onBusy'> {
  /**
   * `'wait'` waits up to `waitTimeout`; `'throw'` makes one attempt.
   * @default 'wait'
   */
  onBusy?: Exclude<BusyPolicy, 'skip'>;
}

/**
 * What `LockService.runWithLock` resolves to.
 *
 * @example
 * const run = await locks.runWithLock('count', async () => 42);
 * if (run.acquired) console.log(run.result); // 42
 */
export type RunWithLockResult<T> =
  { acquired: true; result: T } | { acquired: false; result: undefined };

/** What `LockService.getLockInfo` resolves to (the store's `LockInfo`); never the owner token. */
export interface LockInfoResult {
  /** Whether someone holds the lock now. */
  exists: boolean;
  /** Remaining time to live in ms, by the store's clock; `null` when free. */
  ttl: number | null;
  /** The holder's fencing token; `null` when free. */
  fence: number | null;
  /** The holder's metadata (host:pid by default); `null` when free. */
  metadata: string | null;
}

/** `createLock`'s options (a handle neither skips nor fails open, and has no `signal`). */
export const createLockSpec: OptionSpec = {
  options: {
    ttl: acquireChecks.ttl,
    retryCount: acquireChecks.retryCount,
    retryDelay: acquireChecks.retryDelay,
    waitTimeout: acquireChecks.waitTimeout,
    autoExtend: acquireChecks.autoExtend,
    metadata: acquireChecks.metadata,
    fair: acquireChecks.fair,
    storeTimeout: acquireChecks.storeTimeout,
  } satisfies Record<keyof CreateLockOptions, unknown>,
  notAnObject: () => 'options must be an object.',
  rules: [intervalBelowTtl],
};
