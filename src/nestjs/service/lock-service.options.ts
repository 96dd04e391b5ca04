import type { AcquireOptions, BusyPolicy, WithLockOptions } from '../../engine/options';
import { acquireChecks, intervalBelowTtl, type OptionSpec } from '../../engine/validate';

/**
 * Options of `LockService.createLock`: the acquire options a hand-held handle uses. Two defaults
 * differ from the engine's (see `retryDelay`, `autoExtend`).
 */
export interface CreateLockOptions extends Pick<
  AcquireOptions,
  'ttl' | 'retryCount' | 'waitTimeout' | 'metadata' | 'fair' | 'storeTimeout'
> {
  /**
   * First delay between attempts of `acquire()` in ms (backed off exponentially; a release wakes
   * waiters earlier).
   * @default 250 (or the module's `defaults.retryDelay`)
   */
  retryDelay?: number;
  /**
   * Renew the lock while the handle holds it (`true`: every `ttl / 3`). Off by default: the
   * handle's owner manages the expiry with `extend()` and `getRemainingTime()`.
   * @default false
   */
  autoExtend?: boolean | { interval: number };
}

/** Options of `LockService.withLock` and `runWithLock`. */
export interface LockServiceWithLockOptions extends Omit<WithLockOptions, 'onBusy'> {
  /**
   * `'wait'` waits up to `waitTimeout`; `'throw'` makes one attempt. (`runWithLock` is the way
   * to skip a busy lock.)
   * @default 'wait'
   */
  onBusy?: Exclude<BusyPolicy, 'skip'>;
}

/** What `LockService.runWithLock` resolves to. */
export type RunWithLockResult<T> =
  { acquired: true; result: T } | { acquired: false; result: undefined };

/** What `LockService.getLockInfo` resolves to; never the owner token. */
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

/**
 * `createLock`'s options: the acquire options a hand-held handle uses (it neither skips nor
 * fails open, and is aborted by `release()`, not a signal).
 */
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
