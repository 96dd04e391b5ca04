import type { LockLostError } from './errors';
import type { LockLease } from './lock-lease';

/** What a lease needs from the engine that created it. */
export interface LeaseHost {
  /** Renew the lease in the store for `ttl` ms; rejects with `LockStoreError`. */
  renew(lease: LockLease, ttl: number): Promise<boolean>;
  /** Compare-and-delete the lease in the store; rejects with `LockStoreError`. */
  release(lease: LockLease): Promise<boolean>;
  /** The lease's deadline or renewal time moved (a renewal was sent or confirmed). */
  leaseTimingChanged(lease: LockLease): void;
  /** A renewal (by `extend` or the scheduler) for `ttl` ms was confirmed. */
  leaseExtended(lease: LockLease, ttl: number): void;
  /** The lease ended: released by its holder (`released` says whether the store agreed). */
  leaseReleased(lease: LockLease, released: boolean): void;
  /** The lease was lost; its signal has been aborted with `error`. */
  leaseLost(lease: LockLease, error: LockLostError): void;
}

/**
 * One renewal sent to the store: when, and which ttl. Its place in send order is its place in the
 * lease's list of unconfirmed sends.
 */
export interface LeaseSend {
  readonly sentAt: number;
  readonly ttl: number;
}
