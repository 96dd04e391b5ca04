import { LockBusyError, LockConfigError, LockTimeoutError } from '../engine/errors';
import type { Lock } from '../engine/lock';
import type { LockEngine } from '../engine/lock-engine';
import {
  stripUndefined,
  validateAcquireOptions,
  validateKey,
  type AcquireOptions,
} from '../engine/options';
import { LOCK_SERVICE_RETRY_DELAY } from './lock.constants';
import type {
  CreateLockOptions,
  LockInfoResult,
  LockServiceWithLockOptions,
  RunWithLockResult,
} from './lock.interfaces';
import { LockHandle } from './lock-handle';

const CREATE_LOCK_OPTION_NAMES = [
  'ttl',
  'retryCount',
  'retryDelay',
  'waitTimeout',
  'autoExtend',
  'metadata',
  'fair',
];

/**
 * Locks through dependency injection, for code that cannot use `@Locked`. Injected as
 * `LockService` (the default registration) or with `@InjectLockService(name)`.
 *
 * Defaults: ttl 30 000 ms, retryDelay 250 ms, retries until `waitTimeout` (10 000 ms); the
 * module's `defaults` and each call's options take precedence.
 */
export class LockService {
  readonly #engine: LockEngine;
  readonly #defaults: { retryDelay?: number };

  /** @internal Created by `LockModule`. */
  constructor(engine: LockEngine, moduleDefaults: { retryDelay?: number } = {}) {
    this.#engine = engine;
    // Only when the module does not set its own, so `defaults.retryDelay` still applies.
    this.#defaults =
      moduleDefaults.retryDelay === undefined ? { retryDelay: LOCK_SERVICE_RETRY_DELAY } : {};
  }

  /** The engine behind this service (events, `acquire`, `tryAcquire`, `inspect`). */
  get engine(): LockEngine {
    return this.#engine;
  }

  /**
   * A handle on `key` with `acquire()` / `acquireImmediately()` / `release()` / `extend()`.
   * Creating it does not touch Redis.
   */
  createLock(key: string, options: CreateLockOptions = {}): LockHandle {
    const where = `LockService.createLock("${String(key)}")`;
    validateKey('LockService.createLock', key);
    if (typeof options !== 'object' || options === null) {
      throw new LockConfigError(`${where}: options must be an object.`);
    }
    for (const name of Object.keys(options)) {
      if (!CREATE_LOCK_OPTION_NAMES.includes(name)) {
        throw new LockConfigError(
          `${where}: unknown option "${name}". Known options: ${CREATE_LOCK_OPTION_NAMES.join(', ')}.`,
        );
      }
    }
    validateAcquireOptions(where, options as Record<string, unknown>);
    const acquireOptions: AcquireOptions = {
      ...this.#defaults,
      autoExtend: false,
      ...stripUndefined(options),
    };
    return new LockHandle(this.#engine, key, acquireOptions);
  }

  /**
   * Run `fn` holding the lock on `key` and release it afterwards; resolves `fn`'s value. Rejects
   * with `LockTimeoutError` (busy until `waitTimeout`), `LockBusyError` (`onBusy: 'throw'`) or
   * `LockStoreError` (Redis failed) without calling `fn`. The lock is auto-extended while `fn`
   * runs unless `autoExtend: false`.
   */
  async withLock<T>(
    key: string,
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: LockServiceWithLockOptions = {},
  ): Promise<T> {
    // Rejects like every other bad option, rather than throwing before a promise exists.
    if ((options as { onBusy?: unknown } | undefined)?.onBusy === 'skip') {
      throw new LockConfigError(
        `LockService.withLock("${key}"): option "onBusy" must be 'wait' or 'throw'; use runWithLock to skip a busy lock.`,
      );
    }
    return this.#engine.withLock(key, fn, { ...this.#defaults, ...stripUndefined(options) });
  }

  /**
   * Like `withLock`, but a lock that stays busy is not an error: resolves
   * `{ acquired: false }` without calling `fn`, or `{ acquired: true, result }`. Pass
   * `{ waitTimeout: 0 }` to make a single attempt. Still rejects if Redis fails.
   */
  async runWithLock<T>(
    key: string,
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
    return this.#engine.isLocked(key);
  }

  /** Delete the lock on `key` whoever holds it (operators' escape hatch): `true` if there was one. */
  forceRelease(key: string): Promise<boolean> {
    return this.#engine.forceRelease(key);
  }

  /** What the store knows about `key`: `{ exists, ttl, fence, metadata }`, never the owner token. */
  async getLockInfo(key: string): Promise<LockInfoResult> {
    const info = await this.#engine.inspect(key);
    if (!info) return { exists: false, ttl: null, fence: null, metadata: null };
    return { exists: true, ttl: info.ttl, fence: info.fence, metadata: info.metadata };
  }
}
