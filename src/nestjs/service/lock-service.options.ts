import type { AcquireOptions, BusyPolicy, WithLockOptions } from '../../engine/options';
import { acquireChecks, intervalBelowTtl, type OptionSpec } from '../../engine/validate';

/**
 * Options of `LockService.createLock`: the acquire options a hand-held handle uses. Two defaults
 * differ from the engine's (see `retryDelay`, `autoExtend`).
 *
 * @example
 * const lock = locks.createLock(`export:${id}`, { ttl: 60_000, waitTimeout: 0 });
 */
export interface CreateLockOptions extends Pick<
  AcquireOptions,
  'ttl' | 'retryCount' | 'waitTimeout' | 'metadata' | 'fair' | 'storeTimeout'
> {
  /**
   * First delay between attempts of `acquire()` in ms (backed off exponentially; a release wakes
   * waiters earlier).
   * @default 250 (or the module's `defaults.retryDelay`)
   * @example
   * locks.createLock('import', { retryDelay: 1_000 }); // first retry after about 1 s
   */
  retryDelay?: number;
  /**
   * Renew the lock while the handle holds it (`true`: every `ttl / 3`). Off by default: the
   * handle's owner manages the expiry with `extend()` and `getRemainingTime()`.
   * @default false
   * @example
   * const lock = locks.createLock('rebuild', { ttl: 30_000, autoExtend: true });
   */
  autoExtend?:
    | boolean
    | {
        /** Renew every this many ms (below the ttl). */
        interval: number;
      };
}

/**
 * Options of `LockService.withLock` and `runWithLock`: the engine's `withLock` options, without
 * `onBusy: 'skip'`.
 *
 * @example
 * await locks.withLock('report', build, { ttl: 60_000, waitTimeout: 5_000 });
 */
export interface LockServiceWithLockOptions extends Omit<WithLockOptions, 'onBusy'> {
  /**
   * `'wait'` waits up to `waitTimeout`; `'throw'` makes one attempt. (`runWithLock` is the way
   * to skip a busy lock.)
   * @default 'wait'
   * @example
   * await locks.withLock('report', build, { onBusy: 'throw' }); // LockBusyError if held
   */
  onBusy?: Exclude<BusyPolicy, 'skip'>;
}

/**
 * What `LockService.runWithLock` resolves to.
 *
 * @example
 * const run: RunWithLockResult<number> = await locks.runWithLock('count', async () => 42);
 * if (run.acquired) console.log(run.result); // 42
 */
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

/**
 * What `LockService.getLockInfo` resolves to; never the owner token.
 *
 * @example
 * const { exists, ttl, metadata } = await locks.getLockInfo('nightly');
 * if (exists) console.log(`held by ${metadata} for ${ttl} ms more`);
 */
export interface LockInfoResult {
  /**
   * Whether someone holds the lock now.
   * @example
   * (await locks.getLockInfo('nightly')).exists; // false when free
   */
  exists: boolean;
  /**
   * Remaining time to live in ms, by the store's clock; `null` when free.
   * @example
   * (await locks.getLockInfo('nightly')).ttl; // e.g. 28_512
   */
  ttl: number | null;
  /**
   * The holder's fencing token; `null` when free.
   * @example
   * (await locks.getLockInfo('nightly')).fence; // e.g. 1764582000123456
   */
  fence: number | null;
  /**
   * The holder's metadata (host:pid by default); `null` when free.
   * @example
   * (await locks.getLockInfo('nightly')).metadata; // e.g. 'api-7f9c:1234'
   */
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
