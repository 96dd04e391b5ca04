import { LockEngine } from '../engine/lock-engine';
import type { Lock } from '../engine/lock';
import type { WithLockOptions } from '../engine/options';
import { InFlight } from './in-flight';
import type { LockRegistration } from './lock-registration';

/**
 * The engine `LockModule` creates: a `LockEngine` that also counts its running `withLock` calls
 * (the ones `@Locked` methods, `LockService` and `@SingleInstanceCron` make), so that shutdown can
 * let them finish before releasing their locks.
 */
export class ManagedLockEngine extends LockEngine {
  /** The `withLock` calls running now. */
  readonly inFlight = new InFlight();
  /**
   * The `LockModule` registration that owns this engine; `@SingleInstanceCron` reaches it through
   * the engine registry `@Locked` uses, so the two always agree on which engine a name means.
   */
  registration: LockRegistration | undefined;

  override withLock<T>(
    key: string,
    fn: (lock: Lock) => T | PromiseLike<T>,
    options?: WithLockOptions & { onBusy?: 'wait' | 'throw' },
  ): Promise<T>;
  override withLock<T>(
    key: string,
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: WithLockOptions,
  ): Promise<T | undefined>;
  override withLock<T>(
    key: string,
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: WithLockOptions = {},
  ): Promise<T | undefined> {
    return this.inFlight.track(super.withLock(key, fn, options));
  }

  /** `withLock` for a caller that counts itself in {@link inFlight} (a scheduled tick). */
  withLockUncounted<T>(
    key: string,
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: WithLockOptions,
  ): Promise<T | undefined> {
    return super.withLock(key, fn, options);
  }
}
