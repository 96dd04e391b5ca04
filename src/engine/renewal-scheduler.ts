import type { LockStore, RenewRequest } from '../stores/lock-store';
import type { LockLease } from './lock';

/** What the scheduler reports back to the engine. */
export interface RenewalListener {
  renewalFailed(lease: LockLease, cause: unknown): void;
}

/** Renewals due within this fraction of their interval are sent with an earlier batch. */
const COALESCE_FRACTION = 0.25;
/** After a failed renewal, retry after this fraction of the interval (the deadline still rules). */
const RETRY_FRACTION = 0.25;

/**
 * Drives auto-extension and local deadlines for every lease of one engine with a single
 * `unref`'d timer. Renewals that fall due together go to the store in one `renewMany` call (one
 * pipeline on Redis); each lease has at most one renewal in flight; a lease whose deadline passes
 * without a confirmed renewal is lost. Nothing here throws from a timer.
 */
export class RenewalScheduler {
  readonly #leases = new Set<LockLease>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(
    private readonly store: LockStore,
    private readonly listener: RenewalListener,
  ) {}

  /** Number of leases being tracked. */
  get size(): number {
    return this.#leases.size;
  }

  add(lease: LockLease): void {
    if (this.#closed) return;
    this.#leases.add(lease);
    this.#arm(Math.min(lease.nextRenewAt, lease.deadline));
  }

  delete(lease: LockLease): void {
    this.#leases.delete(lease);
    if (this.#leases.size === 0) this.#disarm();
  }

  /** The lease's timing changed (e.g. extended by hand). */
  touch(lease: LockLease): void {
    if (this.#leases.has(lease)) this.#arm(Math.min(lease.nextRenewAt, lease.deadline));
  }

  close(): void {
    this.#closed = true;
    this.#leases.clear();
    this.#disarm();
  }

  #arm(at: number): void {
    if (this.#closed || at >= this.#timerAt) return;
    this.#disarm();
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, at - Date.now()));
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
    const batch: LockLease[] = [];
    for (const lease of this.#leases) {
      if (lease.state !== 'held') {
        this.#leases.delete(lease);
        continue;
      }
      if (lease.deadline <= now) {
        this.#leases.delete(lease);
        lease.lose(
          lease.renewInterval === null
            ? `its ttl of ${lease.ttl} ms ran out (autoExtend is off)`
            : `no renewal was confirmed before its local deadline (ttl ${lease.ttl} ms)`,
        );
        continue;
      }
      if (lease.renewing || lease.renewInterval === null) continue;
      if (lease.nextRenewAt <= now + lease.renewInterval * COALESCE_FRACTION) batch.push(lease);
    }
    if (batch.length > 0) this.#send(batch, now);
  }

  #send(batch: LockLease[], sentAt: number): void {
    const requests: RenewRequest[] = batch.map((lease) => {
      lease.renewing = true;
      return { key: lease.storeKey, owner: lease.token, ttl: lease.ttl };
    });
    const pending = this.store.renewMany
      ? this.store.renewMany(requests)
      : Promise.all(
          requests.map((r) =>
            this.store.renew(r.key, r.owner, r.ttl).catch((error: unknown) => asError(error)),
          ),
        );
    pending.then(
      (results) => {
        batch.forEach((lease, i) =>
          this.#settle(lease, results[i] ?? new Error('no reply'), sentAt),
        );
        this.#rearm();
      },
      (error: unknown) => {
        for (const lease of batch) this.#settle(lease, asError(error), sentAt);
        this.#rearm();
      },
    );
  }

  #settle(lease: LockLease, result: boolean | Error, sentAt: number): void {
    lease.renewing = false;
    if (lease.state !== 'held') return;
    if (result === true) {
      lease.confirm(sentAt, lease.ttl);
    } else if (result === false) {
      this.#leases.delete(lease);
      lease.lose('a renewal found it no longer held by this owner (expired or taken over)');
    } else {
      const interval = lease.renewInterval ?? lease.ttl;
      lease.nextRenewAt = Date.now() + Math.max(1, Math.floor(interval * RETRY_FRACTION));
      try {
        this.listener.renewalFailed(lease, result);
      } catch {
        // A listener must not break renewals of other leases.
      }
    }
  }

  #rearm(): void {
    if (this.#closed) return;
    let next = Number.POSITIVE_INFINITY;
    for (const lease of this.#leases) {
      const due = lease.renewing ? lease.deadline : Math.min(lease.nextRenewAt, lease.deadline);
      if (due < next) next = due;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
