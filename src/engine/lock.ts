import { inspect } from 'node:util';
import { LockConfigError, LockLostError, LockNotHeldError, type LockStoreError } from './errors';
import type { LockStore } from '../stores/lock-store';

/** What a lease needs from the engine that created it. */
export interface LeaseHost {
  readonly store: LockStore;
  storeError(operation: 'renew' | 'release', key: string, cause: unknown): LockStoreError;
  /** The lease was renewed (by `extend` or the scheduler). */
  leaseExtended(lease: LockLease): void;
  /** The lease ended: released by its holder (`released` says whether the store agreed). */
  leaseReleased(lease: LockLease, released: boolean): void;
  /** The lease was lost; its signal has been aborted with `error`. */
  leaseLost(lease: LockLease, error: LockLostError): void;
}

export type LeaseState = 'held' | 'released' | 'lost';

const leases = new WeakMap<Lock, LockLease>();

/** The lease behind a lock handle. */
export function leaseOf(lock: Lock): LockLease | undefined {
  return leases.get(lock);
}

/**
 * The engine's side of a held lock: the state machine `held → released | lost`, the local
 * deadline, and renewal bookkeeping. Users see it through {@link Lock}.
 */
export class LockLease {
  readonly lock: Lock;
  readonly controller = new AbortController();
  state: LeaseState = 'held';
  /** Reentrant holds; the store lock is released when the last one is. */
  holds = 1;
  /** Local deadline: send time of the last confirmed renewal (or the acquire) + ttl. */
  deadline: number;
  /** When the scheduler should renew next (only with auto-extension). */
  nextRenewAt: number;
  /** One renewal in flight at most. */
  renewing = false;

  constructor(
    readonly host: LeaseHost | null,
    readonly key: string,
    readonly storeKey: string,
    readonly token: string,
    readonly fence: number,
    public ttl: number,
    readonly renewInterval: number | null,
    readonly acquiredAt: number,
  ) {
    this.deadline = acquiredAt + ttl;
    this.nextRenewAt =
      renewInterval === null ? Number.POSITIVE_INFINITY : acquiredAt + renewInterval;
    this.lock = new Lock(this);
    if (!host) this.state = 'released';
  }

  /** A renewal sent at `sentAt` with `ttl` was confirmed by the store. */
  confirm(sentAt: number, ttl: number): void {
    if (this.state !== 'held') return;
    this.ttl = ttl;
    this.deadline = Math.max(this.deadline, sentAt + ttl);
    if (this.renewInterval !== null) this.nextRenewAt = sentAt + this.renewInterval;
    this.host?.leaseExtended(this);
  }

  /** Mark the lease lost (once); never throws. */
  lose(reason: string): LockLostError {
    const error = new LockLostError(`Lock "${this.key}" was lost: ${reason}.`, { key: this.key });
    if (this.state !== 'held') return error;
    this.state = 'lost';
    this.controller.abort(error);
    this.host?.leaseLost(this, error);
    return error;
  }

  async extend(ttl: number): Promise<void> {
    if (!Number.isSafeInteger(ttl) || ttl <= 0) {
      throw new LockConfigError(
        `lock.extend("${this.key}"): ttl must be a positive integer number of milliseconds, got ${String(ttl)}.`,
        { key: this.key },
      );
    }
    this.#assertHeld('extend');
    const host = this.host as LeaseHost;
    const sentAt = Date.now();
    let ok: boolean;
    try {
      ok = await host.store.renew(this.storeKey, this.token, ttl);
    } catch (cause) {
      throw host.storeError('renew', this.key, cause);
    }
    if (ok) {
      this.#assertHeld('extend');
      this.confirm(sentAt, ttl);
      return;
    }
    throw this.lose('the store no longer has it under this owner (expired or taken over)');
  }

  async release(): Promise<boolean> {
    if (this.state === 'held' && this.holds > 1) {
      this.holds -= 1;
      return true;
    }
    if (this.state === 'released' || !this.host) return false;
    const wasLost = this.state === 'lost';
    this.state = 'released';
    this.holds = 0;
    if (!this.controller.signal.aborted) this.controller.abort();
    let released: boolean;
    try {
      // Even a lost lock may still be ours in the store; compare-and-delete is always safe.
      released = await this.host.store.release(this.storeKey, this.token);
    } catch (cause) {
      this.host.leaseReleased(this, false);
      throw this.host.storeError('release', this.key, cause);
    }
    this.host.leaseReleased(this, released && !wasLost);
    return released;
  }

  #assertHeld(operation: string): void {
    if (this.state !== 'held') {
      throw new LockNotHeldError(
        `Cannot ${operation} lock "${this.key}": it is ${this.state === 'lost' ? 'lost' : 'no longer held (released)'}.`,
        { key: this.key },
      );
    }
  }
}

/**
 * A held lock. `signal` aborts with {@link LockLostError} if the lock is lost, or with an
 * `AbortError` once it is released. Release it with `release()` or `await using`.
 */
export class Lock implements AsyncDisposable {
  readonly #lease: LockLease;

  /** @internal Created by `LockEngine`. */
  constructor(lease: LockLease) {
    this.#lease = lease;
    leases.set(this, lease);
  }

  /** The lock's key, without the engine prefix. */
  get key(): string {
    return this.#lease.key;
  }

  /** The secret owner token of this acquisition (128 random bits). Never log it. */
  get token(): string {
    return this.#lease.token;
  }

  /**
   * Fencing token: strictly increases with every acquisition of this key. Pass it to the
   * resource you protect so it can refuse writes from an older holder.
   */
  get fence(): number {
    return this.#lease.fence;
  }

  /** Aborts when the lock is lost (reason: `LockLostError`) or released (`AbortError`). */
  get signal(): AbortSignal {
    return this.#lease.controller.signal;
  }

  /** Whether this process still considers the lock held (not released, not lost). */
  get held(): boolean {
    return this.#lease.state === 'held';
  }

  /** Local estimate (epoch ms) of when the lock expires unless renewed. */
  get expiresAt(): number {
    return this.#lease.deadline;
  }

  /**
   * Renew the lock now, for `ttl` ms (default: the lock's current ttl). Throws
   * `LockNotHeldError` if already released or lost, `LockLostError` if the store says it is
   * no longer ours, `LockStoreError` if the store failed.
   */
  extend(ttl: number = this.#lease.ttl): Promise<void> {
    return this.#lease.extend(ttl);
  }

  /**
   * Release the lock. Resolves `true` if it was released (or, for a reentrant hold, one hold was
   * given back), `false` if it was no longer ours (already released, expired or taken over).
   */
  release(): Promise<boolean> {
    return this.#lease.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  /** Keeps the owner token out of logs. */
  [inspect.custom](): string {
    return `Lock { key: ${JSON.stringify(this.key)}, fence: ${this.fence}, held: ${this.held} }`;
  }

  toJSON(): { key: string; fence: number; held: boolean; expiresAt: number } {
    return { key: this.key, fence: this.fence, held: this.held, expiresAt: this.expiresAt };
  }
}
