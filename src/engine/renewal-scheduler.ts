import type { LockStore, RenewRequest } from '../stores/lock-store';
import type { LeaseSend } from './lease-host';
import type { LeaseTable } from './held-leases';
import type { LockLease } from './lock-lease';
import { clampDelay } from './timers';

/** What the scheduler needs from the engine. */
export interface RenewalHost {
  /**
   * `call`, bounded by `timeoutMs` (rejecting with `LockStoreError` when the time is up); a
   * late answer goes to `onLate`.
   */
  bound<T>(call: Promise<T>, timeoutMs: number, onLate: (late: T) => void): Promise<T>;
  /** A renewal failed; the lease is kept until its deadline. */
  renewalFailed(lease: LockLease, cause: unknown): void;
}

/** Renewals due within this fraction of their interval are sent with an earlier batch. */
const COALESCE_FRACTION = 0.25;
/** After a failed renewal, retry after this fraction of the interval (the deadline still rules). */
const RETRY_FRACTION = 0.25;

/**
 * Drives auto-extension and local deadlines for every lease of one engine with a single
 * `unref`'d timer. Renewals that fall due together go to the store in one `renewMany` call (one
 * pipeline on Redis), bounded by the smallest `storeTimeout` among them; each lease has at most
 * one renewal in flight; a lease whose deadline passes without a confirmed renewal is lost. The
 * timer never exceeds Node's limit: a far-off due time is reached in several wake-ups. Nothing here
 * throws from a timer.
 */
export class RenewalScheduler {
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(
    private readonly store: LockStore,
    private readonly host: RenewalHost,
    /**
     * The engine's held leases, by store key (its own map, not a copy: one entry per lock, not
     * two). A lease leaves it when released or lost, which is how the scheduler forgets it.
     */
    private readonly leases: LeaseTable,
  ) {}

  /** A lease was added to the map. */
  add(lease: LockLease): void {
    this.#arm(Math.min(lease.nextRenewAt, lease.deadline));
  }

  /** The lease's timing changed (e.g. extended by hand). */
  touch(lease: LockLease): void {
    if (lease.state === 'held' && this.leases.get(lease.storeKey) === lease) {
      this.#arm(Math.min(lease.nextRenewAt, lease.deadline));
    }
  }

  /**
   * Stop renewing. (A lease leaving the map needs no call: the timer stays armed even when none
   * is left, `unref`'d, and a wake-up with nothing due does nothing, so a lock taken and released
   * in a loop costs no timer of its own.)
   */
  close(): void {
    this.#closed = true;
    this.#disarm();
  }

  #arm(at: number): void {
    if (this.#closed || at >= this.#timerAt) return;
    this.#disarm();
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#tick(), clampDelay(at - Date.now()));
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #tick(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    try {
      this.#run(Date.now());
    } catch {
      // Defensive: a bug here must not crash the process from a timer.
    }
    this.#rearm();
  }

  #run(now: number): void {
    if (this.#closed) return;
    const batch: LockLease[] = [];
    for (const lease of this.leases.values()) {
      if (lease.state !== 'held') continue;
      if (lease.deadline <= now) {
        // Leaves the map (deleting during iteration is safe for a Map).
        lease.expire();
        continue;
      }
      if (lease.renewing) continue;
      // Without auto-extension a lease is renewed only when due (a short grant's extension).
      const early = (lease.renewInterval ?? 0) * COALESCE_FRACTION;
      if (lease.nextRenewAt <= now + early) batch.push(lease);
    }
    // Coalesce only around a renewal that is due: a wake-up on the way to a far-off due time
    // (timers are capped at 24.8 days) or for a deadline must not renew anything early.
    if (batch.some((lease) => lease.nextRenewAt <= now)) this.#send(batch);
  }

  #send(batch: LockLease[]): void {
    let timeoutMs = Number.POSITIVE_INFINITY;
    const sends: LeaseSend[] = [];
    const requests: RenewRequest[] = batch.map((lease) => {
      lease.renewing = true;
      timeoutMs = Math.min(timeoutMs, lease.storeTimeout);
      const send = lease.send(lease.ttl);
      sends.push(send);
      return { key: lease.storeKey, owner: lease.token, ttl: send.ttl };
    });
    let pending: Promise<Array<boolean | Error>>;
    try {
      pending = this.store.renewMany
        ? this.store.renewMany(requests)
        : Promise.all(
            requests.map((r) =>
              this.store.renew(r.key, r.owner, r.ttl).catch((error: unknown) => asError(error)),
            ),
          );
    } catch (error) {
      pending = Promise.reject(asError(error));
    }
    // An answer after the bound still tells what the store did with these sends.
    const late = (results: Array<boolean | Error>): void =>
      batch.forEach((lease, i) => {
        const result = results[i];
        if (typeof result === 'boolean') this.#apply(lease, result, sends[i]!);
      });
    this.host.bound(pending, timeoutMs, late).then(
      (results) => {
        batch.forEach((lease, i) =>
          this.#settle(lease, results[i] ?? new Error('no reply'), sends[i]!),
        );
        this.#rearm();
      },
      (error: unknown) => {
        batch.forEach((lease, i) => this.#settle(lease, asError(error), sends[i]!));
        this.#rearm();
      },
    );
  }

  #settle(lease: LockLease, result: boolean | Error, send: LeaseSend): void {
    lease.renewing = false;
    if (lease.state !== 'held') return;
    if (typeof result === 'boolean') {
      this.#apply(lease, result, send);
      return;
    }
    // The send stays uncertain (the store may have applied it); retry well before the deadline.
    const interval = lease.renewInterval ?? Math.max(1, lease.deadline - Date.now());
    lease.nextRenewAt = Date.now() + Math.max(1, Math.floor(interval * RETRY_FRACTION));
    try {
      this.host.renewalFailed(lease, result);
    } catch {
      // A listener must not break renewals of other leases.
    }
  }

  #apply(lease: LockLease, held: boolean, send: LeaseSend): void {
    if (lease.state !== 'held') return;
    if (held) {
      lease.confirm(send);
    } else {
      lease.lose('a renewal found it no longer held by this owner (expired or taken over)');
    }
  }

  #rearm(): void {
    if (this.#closed) return;
    let next = Number.POSITIVE_INFINITY;
    for (const lease of this.leases.values()) {
      if (lease.state !== 'held') continue;
      const due = lease.renewing ? lease.deadline : Math.min(lease.nextRenewAt, lease.deadline);
      if (due < next) next = due;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
