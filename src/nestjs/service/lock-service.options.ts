import type { AcquireOptions, BusyPolicy, WithLockOptions } from '../../engine/options';
import { acquireChecks, intervalBelowTtl, type OptionSpec } from '../../engine/validate';

/** Options of `LockService.createLock`: the {@link AcquireOptions} a hand-held handle uses. */
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
   * As {@link AcquireOptions.autoExtend}; off by default (the handle's owner calls `extend()`).
   * @default false
   */
  autoExtend?: AcquireOptions['autoExtend'];
}

/**
 * Options of `LockService.withLock` and `runWithLock`: the engine's {@link WithLockOptions},
 * without `onBusy: 'skip'` (`runWithLock` is the way to skip a busy lock).
 */
export interface LockServiceWithLockOptions extends Omit<WithLockOptions, 'onBusy'> {
  /** `'wait'` (the default) waits up to `waitTimeout`; `'throw'` makes one attempt. */
  onBusy?: Exclude<BusyPolicy, 'skip'>;
}

/** What `LockService.runWithLock` resolves to. */
export type RunWithLockResult<T> =
  | {
      /** The lock was taken and `fn` ran. */
      acquired: true;
      /** What `fn` returned (awaited). */
      result: T;
    }
  | {
      /** The lock stayed busy: `fn` did not run. */
      acquired: false;
      /** Always `undefined`. */
      result: undefined;
    };

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
