import { LockBusyError, LockConfigError, LockTimeoutError } from '../../engine/errors';
import type { Lock } from '../../engine/lock';
import type { LockEngine } from '../../engine/lock-engine';
import { stripUndefined } from '../../engine/options';
import { keyListLabel } from '../../engine/multi-key-order';
import { checkOptions, validateKey } from '../../engine/validate';
import { LockHandle } from './lock-handle';
import {
  createLockSpec,
  type CreateLockOptions,
  type LockInfoResult,
  type LockServiceWithLockOptions,
  type RunWithLockResult,
} from './lock-service.options';

// Kept from the service's first release, whose handles polled (the engine's default is 50 ms).
const RETRY_DELAY = 250;

/**
 * Locks through dependency injection, for code that cannot use `@Locked`: inject `LockService`
 * (the default registration) or use `@InjectLockService(name)`. Options fall back to the
 * module's `defaults`, then the engine's, except `retryDelay` (250 ms) and `createLock`'s
 * `autoExtend` (off).
 *
 * @example
 * constructor(private readonly locks: LockService) {}
 */
export class LockService {
  readonly #defaults: { retryDelay?: number };

  /** @internal Created by `LockModule`. */
  constructor(
    /** The engine behind this service (events, `acquire`, `tryAcquire`, `inspect`). */
    readonly engine: LockEngine,
    moduleDefaults: { retryDelay?: number } = {},
  ) {
    this.#defaults = moduleDefaults.retryDelay === undefined ? { retryDelay: RETRY_DELAY } : {};
  }

  /** A {@link LockHandle} on `key`, to acquire and release by hand (creating it is local). */
  createLock(key: string, options: CreateLockOptions = {}): LockHandle {
    validateKey('LockService.createLock', key);
    checkOptions(`LockService.createLock("${key}")`, options, createLockSpec);
    return new LockHandle(this.engine, key, {
      ...this.#defaults,
      autoExtend: false,
      ...stripUndefined(options),
    });
  }

  /**
   * Run `fn` holding the lock on `key` (or all of a list of keys), as `LockEngine.withLock`;
   * rejects with `LockTimeoutError`, `LockBusyError` or `LockStoreError` without calling `fn`.
   *
   * @example
   * const report = await this.locks.withLock(`report:${id}`, (lock) => build(id, lock.signal));
   */
  async withLock<T>(
    key: string | readonly string[],
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: LockServiceWithLockOptions = {},
  ): Promise<T> {
    // Rejects like every other bad option, rather than throwing before a promise exists.
    if ((options as { onBusy?: unknown } | undefined)?.onBusy === 'skip') {
      throw new LockConfigError(
        `LockService.withLock(${typeof key === 'string' ? `"${key}"` : keyListLabel(key)}): option "onBusy" must be 'wait' or 'throw'; use runWithLock to skip a busy lock.`,
      );
    }
    return this.engine.withLock(key, fn, { ...this.#defaults, ...stripUndefined(options) });
  }

  /**
   * Like `withLock`, but a lock that stays busy resolves `{ acquired: false }` without calling
   * `fn`. Still rejects if Redis fails.
   *
   * @example
   * const { acquired } = await locks.runWithLock('cache:refresh', refresh, { waitTimeout: 0 });
   */
  async runWithLock<T>(
    key: string | readonly string[],
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: LockServiceWithLockOptions = {},
  ): Promise<RunWithLockResult<T>> {
    let started = false;
    try {
      const result = await this.withLock(
        key,
        (lock) => {
          started = true;
          return fn(lock);
        },
        options,
      );
      return { acquired: true, result };
    } catch (error) {
      if (!started && (error instanceof LockTimeoutError || error instanceof LockBusyError)) {
        return { acquired: false, result: undefined };
      }
      throw error;
    }
  }

  /** Whether anyone holds `key` now. */
  isLocked(key: string): Promise<boolean> {
    return this.engine.isLocked(key);
  }

  /** Delete the lock on `key`, whoever holds it: `true` if there was one. */
  forceRelease(key: string): Promise<boolean> {
    return this.engine.forceRelease(key);
  }

  /** What the store knows about `key`. */
  async getLockInfo(key: string): Promise<LockInfoResult> {
    const info = await this.engine.inspect(key);
    if (!info) return { exists: false, ttl: null, fence: null, metadata: null };
    return { exists: true, ttl: info.ttl, fence: info.fence, metadata: info.metadata };
  }
}
