import type { LockLostError } from './errors';
import type { EmitEvent, EventObserved } from './events';
import type { LeaseHost } from './lease-host';
import type { LockLease } from './lock-lease';
import { RenewalScheduler } from './renewal-scheduler';
import { boundStoreCall } from './store-call-bound';
import type { StoreCalls } from './store-calls';

/**
 * The leases one engine holds, by store key: what each asks of the store (renewals, release),
 * one renewal scheduler for all of them, and the `extended` / `released` / `lost` events.
 */
export class HeldLeases implements LeaseHost {
  readonly #byKey = new Map<string, LockLease>();
  readonly #scheduler: RenewalScheduler;

  constructor(
    private readonly calls: StoreCalls,
    private readonly emit: EmitEvent,
    private readonly observed: EventObserved,
    /** A lease of `storeKey` ended: the next local waiter may try. */
    private readonly ended: (storeKey: string) => void,
  ) {
    this.#scheduler = new RenewalScheduler(
      calls.store,
      {
        bound: (call, timeoutMs, onLate) =>
          boundStoreCall(call, { timeoutMs, onLate, unref: true }),
        renewalFailed: (lease, cause) => {
          const error = calls.error('renew', lease.key, cause, lease.token);
          emit('error', { key: lease.key, operation: 'renew', error });
        },
      },
      this.#byKey,
    );
  }

  get size(): number {
    return this.#byKey.size;
  }

  has(storeKey: string): boolean {
    return this.#byKey.has(storeKey);
  }

  get(storeKey: string): LockLease | undefined {
    return this.#byKey.get(storeKey);
  }

  /** Track a granted lease and renew it per its options. */
  hold(lease: LockLease): void {
    this.#byKey.set(lease.storeKey, lease);
    this.#scheduler.add(lease);
  }

  /** Stop renewing, then release every lease still held (best effort). */
  async releaseAll(): Promise<void> {
    this.#scheduler.close();
    await Promise.all([...this.#byKey.values()].map((lease) => lease.release().catch(() => false)));
  }

  renew(lease: LockLease, ttl: number): Promise<boolean> {
    return this.calls.run('renew', lease.key, lease.token, lease.storeTimeout, () =>
      this.calls.store.renew(lease.storeKey, lease.token, ttl),
    );
  }

  release(lease: LockLease): Promise<boolean> {
    return this.calls.run('release', lease.key, lease.token, lease.storeTimeout, () =>
      this.calls.store.release(lease.storeKey, lease.token),
    );
  }

  leaseTimingChanged(lease: LockLease): void {
    this.#scheduler.touch(lease);
  }

  leaseExtended(lease: LockLease, ttl: number): void {
    this.#scheduler.touch(lease);
    if (!this.observed('extended')) return;
    this.emit('extended', { key: lease.key, fence: lease.fence, ttl, expiresAt: lease.deadline });
  }

  leaseReleased(lease: LockLease, released: boolean): void {
    this.#forget(lease);
    if (!released || !this.observed('released')) return;
    const heldMs = Date.now() - lease.acquiredAt;
    this.emit('released', { key: lease.key, fence: lease.fence, heldMs });
  }

  leaseLost(lease: LockLease, error: LockLostError): void {
    this.#forget(lease);
    this.emit('lost', { key: lease.key, fence: lease.fence, error });
  }

  #forget(lease: LockLease): void {
    if (this.#byKey.get(lease.storeKey) === lease) this.#byKey.delete(lease.storeKey);
    this.ended(lease.storeKey);
  }
}
