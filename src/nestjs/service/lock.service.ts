import { LockBusyError, LockConfigError, LockTimeoutError } from '../../engine/errors';
import type { Lock } from '../../engine/lock';
import type { LockEngine } from '../../engine/lock-engine';
import { stripUndefined, type AcquireOptions } from '../../engine/options';
import { keyListLabel } from '../../engine/multi-key-order';
import { checkOptions, validateKey } from '../../engine/validate';
import { LOCK_SERVICE_RETRY_DELAY } from '../lock.constants';
import { LockHandle } from './lock-handle';
import {
  createLockSpec,
  type CreateLockOptions,
  type LockInfoResult,
  type LockServiceWithLockOptions,
  type RunWithLockResult,
} from './lock-service.options';

/**
 * Locks through dependency injection, for code that cannot use `@Locked`. Injected as
 * `LockService` (the default registration) or with `@InjectLockService(name)`.
 *
 * Defaults: ttl 30 000 ms, retryDelay 250 ms, retries until `waitTimeout` (10 000 ms); the
 * module's `defaults` and each call's options take precedence. Two differ from the engine's,
 * kept from the service's first release: `retryDelay` is 250 ms (the engine's is 50) unless the
 * module's `defaults.retryDelay` is set, and `createLock` handles are not auto-extended (the
 * engine's locks are) unless created with `autoExtend`.
 *
 * @example
 * @Injectable()
 * export class ExportService {
 *   constructor(private readonly locks: LockService) {}
 *
 *   export(id: string): Promise<void> {
 *     return this.locks.withLock(`export:${id}`, (lock) => this.write(id, lock.signal));
 *   }
 * }
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

  /**
   * The engine behind this service (events, `acquire`, `tryAcquire`, `inspect`).
   *
   * @example
   * this.locks.engine.on('lost', ({ key }) => this.logger.error(`lost the lock on ${key}`));
   */
  get engine(): LockEngine {
    return this.#engine;
  }

  /**
   * A handle on `key` with `acquire()` / `acquireImmediately()` / `release()` / `extend()`.
   * Creating it does not touch Redis.
   *
   * @example
   * const lock = this.locks.createLock(`export:${id}`, { ttl: 60_000 });
   * if (!(await lock.acquire())) return;
   * try {
   *   await this.write(id);
   * } finally {
   *   await lock.release();
   * }
   */
  createLock(key: string, options: CreateLockOptions = {}): LockHandle {
    validateKey('LockService.createLock', key);
    checkOptions(`LockService.createLock("${key}")`, options, createLockSpec);
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
   * runs unless `autoExtend: false`. Given a list of keys, holds all of them (or none) while
   * `fn` runs.
   *
   * @example
   * const report = await this.locks.withLock(`report:${id}`, (lock) => this.build(id, lock.signal));
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
    return this.#engine.withLock(key, fn, { ...this.#defaults, ...stripUndefined(options) });
  }

  /**
   * Like `withLock`, but a lock that stays busy is not an error: resolves
   * `{ acquired: false }` without calling `fn`, or `{ acquired: true, result }`. Pass
   * `{ waitTimeout: 0 }` to make a single attempt. Still rejects if Redis fails.
   *
   * @example
   * const { acquired } = await this.locks.runWithLock('cache:refresh', () => this.refresh(), {
   *   waitTimeout: 0,
   * });
   * if (!acquired) this.logger.debug('another replica is refreshing');
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

  /**
   * Whether anyone holds `key` now.
   *
   * @example
   * if (await this.locks.isLocked('migration')) throw new ServiceUnavailableException();
   */
  isLocked(key: string): Promise<boolean> {
    return this.#engine.isLocked(key);
  }

  /**
   * Delete the lock on `key` whoever holds it (operators' escape hatch): `true` if there was one.
   * The holder learns it at its next renewal (its `signal` aborts).
   *
   * @example
   * await this.locks.forceRelease('nightly'); // after making sure its holder is gone
   */
  forceRelease(key: string): Promise<boolean> {
    return this.#engine.forceRelease(key);
  }

  /**
   * What the store knows about `key`: `{ exists, ttl, fence, metadata }`, never the owner token.
   *
   * @example
   * const info = await this.locks.getLockInfo('nightly');
   */
  async getLockInfo(key: string): Promise<LockInfoResult> {
    const info = await this.#engine.inspect(key);
    if (!info) return { exists: false, ttl: null, fence: null, metadata: null };
    return { exists: true, ttl: info.ttl, fence: info.fence, metadata: info.metadata };
  }
}
