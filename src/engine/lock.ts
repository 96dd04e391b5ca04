import { inspect } from 'node:util';
import { LockConfigError, LockLostError, LockNotHeldError } from './errors';
import type { Renewal } from './options';

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

export type LeaseState = 'held' | 'released' | 'lost';

/** One acquire or renewal sent to the store: its place in send order, when, and which ttl. */
export interface LeaseSend {
  readonly seq: number;
  readonly sentAt: number;
  readonly ttl: number;
}

/** Set by {@link Lock}'s static block: reads a handle's lease (no WeakMap entry per lock). */
let leaseOfLock: (lock: Lock) => LockLease | undefined;

/**
 * What a {@link Lock} handle shows and drives: one key's {@link LockLease}, or the set of leases
 * of a multi-key lock (`multi-key-lock.ts`), which adds `keys` and `fences`.
 */
export interface LockBacking {
  readonly key: string;
  readonly keys?: readonly string[];
  readonly token: string;
  readonly fence: number;
  readonly fences?: ReadonlyMap<string, number>;
  /** Aborts when the lock is lost or released (see `Lock.signal`). */
  readonly signal: AbortSignal;
  readonly ttl: number;
  readonly deadline: number;
  isHeld(): boolean;
  extend(ttl: number): Promise<void>;
  release(): Promise<boolean>;
}

/**
 * The renewal period of a lock whose latest ttl is `ttl`, or `null` without renewal. A given
 * interval keeps its period while it is below the ttl; once `extend()` shortens the ttl to it or
 * below, the lock is renewed every ttl / 3 instead, so it cannot expire between two renewals.
 */
function renewIntervalFor(renewal: Renewal, ttl: number): number | null {
  if (renewal === false) return null;
  if (renewal !== true && renewal < ttl) return renewal;
  return Math.max(1, Math.floor(ttl / 3));
}

/** The lease behind a lock handle. */
export function leaseOf(lock: Lock): LockLease | undefined {
  return leaseOfLock(lock);
}

/**
 * The engine's side of a held lock: the state machine `held → released | lost`, the local
 * deadline, and renewal bookkeeping. Users see it through {@link Lock}.
 *
 * The deadline follows the store. The store applies one lock's calls in the order they were sent
 * (one connection), so the key expires `ttl` after the last call it applied, which is no earlier
 * than that call's send time. Hence the deadline is the send time + ttl of the last confirmed
 * call, whether that ttl is longer or shorter than before, and a confirmation that arrives after
 * a newer send's must not move it (each send has a sequence number). A newer send whose outcome
 * is unknown (in flight, failed, timed out) may already rule the key too, so it lowers the
 * deadline to its own send time + ttl until something newer is confirmed.
 */
export class LockLease {
  readonly lock: Lock;
  /**
   * Made when someone first reads `lock.signal`: most locks are never watched, and an
   * `AbortController` plus the `AbortError` its `abort()` builds (with a stack) cost more than the
   * rest of an uncontended lock's bookkeeping.
   */
  #controller: AbortController | undefined;
  /** Why the lease ended, once it did (`undefined`: released, an `AbortError`). */
  #lostError: LockLostError | undefined;
  state: LeaseState = 'held';
  /** Reentrant holds; the store lock is released when the last one is. */
  holds = 1;
  /** The latest ttl asked for (by the acquire or `extend`); renewals send it. */
  ttl: number;
  /** When the scheduler should renew next (only with auto-extension). */
  nextRenewAt: number;
  /** One scheduled renewal in flight at most. */
  renewing = false;
  #sent = 0;
  /** The last confirmed send (the acquire at first), kept as fields: one object less per lock. */
  #confirmedSeq = 0;
  #confirmedAt: number;
  #confirmedTtl: number;
  /** Sends newer than the confirmed one whose outcome is unknown, in send order. */
  #uncertain: LeaseSend[] | undefined;

  constructor(
    readonly host: LeaseHost | null,
    readonly key: string,
    readonly storeKey: string,
    readonly token: string,
    readonly fence: number,
    ttl: number,
    readonly renewal: Renewal,
    /** Bound of this lease's renewals and release, in ms. */
    readonly storeTimeout: number,
    readonly acquiredAt: number,
  ) {
    this.ttl = ttl;
    this.#confirmedAt = acquiredAt;
    this.#confirmedTtl = ttl;
    this.nextRenewAt = acquiredAt + (this.renewInterval ?? Number.POSITIVE_INFINITY);
    this.lock = new Lock(this);
    if (!host) this.state = 'released';
  }

  /** Aborts when the lease is lost (with its `LockLostError`) or released (an `AbortError`). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.state === 'lost') this.#controller.abort(this.#lostError);
      else if (this.state === 'released' && this.host) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  /** The renewal period for the latest ttl, or `null` without auto-extension. */
  get renewInterval(): number | null {
    return renewIntervalFor(this.renewal, this.ttl);
  }

  /** Local deadline (epoch ms); see the class comment. */
  get deadline(): number {
    let deadline = this.#confirmedAt + this.#confirmedTtl;
    if (this.#uncertain === undefined) return deadline;
    for (const send of this.#uncertain) deadline = Math.min(deadline, send.sentAt + send.ttl);
    return deadline;
  }

  /** Record a renewal for `ttl` ms that is about to be sent. */
  send(ttl: number): LeaseSend {
    const send = { seq: ++this.#sent, sentAt: Date.now(), ttl };
    (this.#uncertain ??= []).push(send);
    return send;
  }

  /** The store confirmed `send`. An older send confirmed late changes nothing. */
  confirm(send: LeaseSend): void {
    if (this.state !== 'held' || send.seq <= this.#confirmedSeq) return;
    this.#confirmedSeq = send.seq;
    this.#confirmedAt = send.sentAt;
    this.#confirmedTtl = send.ttl;
    const newer = this.#uncertain?.filter((other) => other.seq > send.seq);
    this.#uncertain = newer?.length ? newer : undefined;
    this.nextRenewAt = send.sentAt + (this.renewInterval ?? Number.POSITIVE_INFINITY);
    this.host?.leaseExtended(this, send.ttl);
  }

  /** Whether the lease is held; one whose deadline has passed is lost now, not at the next timer. */
  isHeld(): boolean {
    if (this.state === 'held' && Date.now() >= this.deadline) this.expire();
    return this.state === 'held';
  }

  /** The deadline passed without a confirmed renewal: the lease is lost. */
  expire(): void {
    this.lose(
      this.renewal === false
        ? `its ttl of ${this.ttl} ms ran out (autoExtend is off)`
        : `no renewal was confirmed before its local deadline (ttl ${this.ttl} ms)`,
    );
  }

  /** Mark the lease lost (once); never throws. */
  lose(reason: string): LockLostError {
    const error = new LockLostError(`Lock "${this.key}" was lost: ${reason}.`, { key: this.key });
    if (this.state !== 'held') return error;
    this.state = 'lost';
    this.#uncertain = undefined;
    this.#lostError = error;
    this.#controller?.abort(error);
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
    // Renewals follow the latest ttl at once, also while this call is in flight.
    this.ttl = ttl;
    const send = this.send(ttl);
    this.nextRenewAt = Math.min(
      this.nextRenewAt,
      send.sentAt + (this.renewInterval ?? Number.POSITIVE_INFINITY),
    );
    host.leaseTimingChanged(this);
    if (await host.renew(this, ttl)) {
      this.#assertHeld('extend');
      this.confirm(send);
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
    if (this.#controller && !this.#controller.signal.aborted) this.#controller.abort();
    let released: boolean;
    try {
      // Even a lost lock may still be ours in the store; compare-and-delete is always safe.
      released = await this.host.release(this);
    } catch (error) {
      this.host.leaseReleased(this, false);
      throw error;
    }
    this.host.leaseReleased(this, released && !wasLost);
    return released;
  }

  #assertHeld(operation: string): void {
    if (!this.isHeld()) {
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
 *
 * @example
 * await using lock = await engine.acquire('orders:42');
 * await db.update(order, { fence: lock.fence, signal: lock.signal }); // released at scope end
 */
export class Lock implements AsyncDisposable {
  readonly #lease: LockBacking;

  static {
    leaseOfLock = (lock) =>
      #lease in lock && lock.#lease instanceof LockLease ? lock.#lease : undefined;
  }

  /** @internal Created by `LockEngine`. */
  constructor(lease: LockBacking) {
    this.#lease = lease;
  }

  /**
   * The lock's key, without the engine prefix. For a lock over several keys: the first of
   * `keys` (the one taken first).
   * @example
   * (await engine.acquire('orders:42')).key; // 'orders:42'
   */
  get key(): string {
    return this.#lease.key;
  }

  /**
   * Every key this lock holds, without the engine prefix: `[key]` for a single-key lock; for a
   * lock over several keys, the distinct keys in the order they are taken (by UTF-8 bytes).
   * @example
   * (await engine.acquire(['account:b', 'account:a'])).keys; // ['account:a', 'account:b']
   */
  get keys(): readonly string[] {
    return this.#lease.keys ?? [this.#lease.key];
  }

  /**
   * The fence of each key (see `fence`); one entry for a single-key lock.
   * @example
   * for (const [key, fence] of lock.fences) await ledger.write(key, entry, { fence });
   */
  get fences(): ReadonlyMap<string, number> {
    return this.#lease.fences ?? new Map([[this.#lease.key, this.#lease.fence]]);
  }

  /**
   * The secret owner token of this acquisition (128 random bits). Never log it. For a lock over
   * several keys: the token of `key` (each key has its own).
   * @example
   * await legacyStore.release(lock.key, lock.token); // pass it on, never print it
   */
  get token(): string {
    return this.#lease.token;
  }

  /**
   * Fencing token: strictly increases with every acquisition of this key. Pass it to the
   * resource you protect so it can refuse writes from an older holder. For a lock over several
   * keys: the largest of `fences` (pass each resource its own key's fence where you can).
   * @example
   * await db.query('UPDATE jobs SET state = $1, fence = $2 WHERE id = $3 AND fence < $2', [s, lock.fence, id]);
   */
  get fence(): number {
    return this.#lease.fence;
  }

  /**
   * Aborts when the lock is lost (reason: `LockLostError`) or released (`AbortError`).
   * @example
   * await fetch(url, { signal: lock.signal }); // stop the request if the lock is lost
   */
  get signal(): AbortSignal {
    return this.#lease.signal;
  }

  /**
   * Whether this process still considers the lock held: not released, not lost, and its local
   * deadline not passed (checked on every read, so it is never true after the deadline, even if
   * the event loop is too busy for the timer that reports the loss).
   * @example
   * for (const batch of batches) { if (!lock.held) break; await process(batch); }
   */
  get held(): boolean {
    return this.#lease.isHeld();
  }

  /**
   * Local estimate (epoch ms) of when the lock expires unless renewed: the send time of the last
   * confirmed acquire or renewal + the ttl that call set (earlier while a shorter `extend` is in
   * flight).
   * @example
   * const msLeft = lock.expiresAt - Date.now();
   */
  get expiresAt(): number {
    return this.#lease.deadline;
  }

  /**
   * Renew the lock now, for `ttl` ms (default: the lock's current ttl). A shorter ttl shortens
   * the lease: it then expires `ttl` ms after this call was sent, and auto-renewal follows the
   * new ttl. Throws `LockNotHeldError` if already released or lost, `LockLostError` if the store
   * says it is no longer ours, `LockStoreError` if the store failed or did not answer within
   * `storeTimeout`.
   * @param ttl the new ttl in ms, a positive integer (default: the lock's current ttl)
   * @example
   * await lock.extend(60_000); // the next step is slow: hold for a minute from now
   */
  extend(ttl: number = this.#lease.ttl): Promise<void> {
    return this.#lease.extend(ttl);
  }

  /**
   * Release the lock. Resolves `true` if it was released (or, for a reentrant hold, one hold was
   * given back), `false` if it was no longer ours (already released, expired or taken over).
   * @example
   * const lock = await engine.acquire('orders:42');
   * try { await work(); } finally { await lock.release(); }
   */
  release(): Promise<boolean> {
    return this.#lease.release();
  }

  /**
   * Release the lock when an `await using` scope ends (as `release()`, result ignored).
   * @example
   * { await using lock = await engine.acquire('orders:42'); await work(lock); } // released here
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  /**
   * Keeps the owner token out of logs: what `console.log(lock)` and `util.inspect` print.
   * @example
   * console.log(lock); // Lock { key: "orders:42", fence: 17, held: true }
   */
  [inspect.custom](): string {
    const keys = this.#lease.keys ? `, keys: ${JSON.stringify(this.#lease.keys)}` : '';
    return `Lock { key: ${JSON.stringify(this.key)}${keys}, fence: ${this.fence}, held: ${this.held} }`;
  }

  /**
   * The lock's public state for `JSON.stringify` and logs: never the owner token.
   * @example
   * logger.info({ lock }); // {"lock":{"key":"orders:42","fence":17,"held":true,"expiresAt":...}}
   */
  toJSON(): {
    /** As {@link Lock.key}. */
    key: string;
    /** As {@link Lock.keys}; only for a lock over several keys. */
    keys?: readonly string[];
    /** As {@link Lock.fence}. */
    fence: number;
    /** As {@link Lock.held}. */
    held: boolean;
    /** As {@link Lock.expiresAt}. */
    expiresAt: number;
  } {
    const { key, fence, held, expiresAt } = this;
    const keys = this.#lease.keys;
    return keys ? { key, keys, fence, held, expiresAt } : { key, fence, held, expiresAt };
  }
}
