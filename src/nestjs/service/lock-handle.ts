import { LockLostError, LockNotHeldError, LockTimeoutError } from '../../engine/errors';
import type { Lock } from '../../engine/lock';
import type { LockEngine } from '../../engine/lock-engine';
import type { AcquireOptions } from '../../engine/options';

/**
 * A lock on one key taken and given back by hand, from `LockService.createLock`; not renewed
 * unless created with `autoExtend`. One handle holds at most one acquisition at a time.
 *
 * @example
 * const lock = this.locks.createLock(`export:${id}`, { ttl: 60_000 });
 * if (!(await lock.acquire())) return; // still busy after waitTimeout
 * try { await this.export(id); } finally { await lock.release(); }
 */
export class LockHandle {
  readonly #engine: LockEngine;
  readonly #options: AcquireOptions;
  #lock: Lock | undefined;

  /** @internal Created by `LockService.createLock`. */
  constructor(
    engine: LockEngine,
    /** The lock's key, without the module's prefix. */
    readonly key: string,
    options: AcquireOptions,
  ) {
    this.#engine = engine;
    this.#options = options;
  }

  /** The held lock (for its `signal` and `fence`), while this handle holds it. */
  get lock(): Lock | undefined {
    return this.#lock?.held ? this.#lock : undefined;
  }

  /**
   * Take the lock, waiting up to `waitTimeout`: `true` once held (or already held by this
   * handle), `false` if it stayed busy. Rejects with `LockStoreError` if Redis fails.
   */
  async acquire(): Promise<boolean> {
    if (this.#lock?.held) return true;
    try {
      this.#lock = await this.#engine.acquire(this.key, { ...this.#options, onBusy: 'wait' });
      return true;
    } catch (error) {
      if (error instanceof LockTimeoutError) return false;
      throw error;
    }
  }

  /** One attempt, no waiting: `true` if taken (or already held by this handle). */
  async acquireImmediately(): Promise<boolean> {
    if (this.#lock?.held) return true;
    this.#lock = (await this.#engine.tryAcquire(this.key, this.#options)) ?? undefined;
    return this.#lock !== undefined;
  }

  /**
   * Give the lock back: `true` if this handle held it and the store agreed, `false` if not held
   * (never acquired, released, expired or taken over). Never deletes another owner's lock.
   */
  async release(): Promise<boolean> {
    const lock = this.#lock;
    this.#lock = undefined;
    return lock ? lock.release() : false;
  }

  /** Delete the lock whoever holds it (operators' escape hatch): `true` if there was one. */
  async forceRelease(): Promise<boolean> {
    this.#lock = undefined;
    return this.#engine.forceRelease(this.key);
  }

  /** Whether anyone (this handle or another owner) holds the key now, per the store. */
  exists(): Promise<boolean> {
    return this.#engine.isLocked(this.key);
  }

  /** `true` unless this handle holds the lock and its (locally estimated) expiry is ahead. */
  isExpired(): boolean {
    return this.getRemainingTime() === 0;
  }

  /** Milliseconds until the held lock expires unless extended (local estimate); `0` if not held. */
  getRemainingTime(): number {
    const lock = this.lock;
    return lock ? Math.max(0, lock.expiresAt - Date.now()) : 0;
  }

  /**
   * Push the expiry back to `duration` ms from now (default: the lock's ttl): `true` if extended,
   * `false` if this handle no longer holds the lock. Rejects with `LockStoreError` if Redis fails.
   */
  async extend(duration?: number): Promise<boolean> {
    const lock = this.#lock;
    if (!lock) return false;
    try {
      await lock.extend(duration);
      return true;
    } catch (error) {
      if (error instanceof LockNotHeldError || error instanceof LockLostError) {
        this.#lock = undefined;
        return false;
      }
      throw error;
    }
  }
}
