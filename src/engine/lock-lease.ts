import { LockConfigError, LockLostError, LockNotHeldError } from './errors';
import { Lock } from './lock';
import type { LeaseHost, LeaseSend } from './lease-host';
import type { Renewal } from './options';

export type LeaseState = 'held' | 'released' | 'lost';

const STATES: readonly LeaseState[] = ['held', 'released', 'lost'];
const STATE_BITS = 0b11;
const RENEWING = 0b100;
const ONE_HOLD = 0b1000;
const HOLD_SHIFT = 3;

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

/**
 * `text` as one flat string. A store key is built by concatenation, which V8 keeps as a tree of
 * pieces (a "cons string": ~90 B for `lw:{orders:1234}` against 32 B flat) for as long as it is
 * referenced, and a held lease references its key for as long as it is held. `trimEnd` flattens
 * and, when nothing is trimmed, answers the flat copy; a key that does end in white space is kept
 * as it is, so the text never changes.
 */
function flat(text: string): string {
  const copy = text.trimEnd();
  return copy.length === text.length ? copy : text;
}

/** The lease behind a lock handle, if it is a single key's (`undefined` for a set of keys). */
export function leaseOf(lock: Lock): LockLease | undefined {
  return LockLease.isLease(lock) ? lock : undefined;
}

/**
 * A single key's held lock: the {@link Lock} users hold and, in the same object, the engine's
 * side of it (the state machine `held → released | lost`, the local deadline, and renewal
 * bookkeeping). One object per held lock, and every field `#private`, so the owner token stays out
 * of `util.inspect` and spreads.
 *
 * The deadline follows the store. The store applies one lock's calls in the order they were sent
 * (one connection), so the key expires `ttl` after the last call it applied, which is no earlier
 * than that call's send time. Hence the deadline is the send time + ttl of the last confirmed
 * call, whether that ttl is longer or shorter than before, and a confirmation that arrives after
 * a newer send's must not move it. A newer send whose outcome is unknown (in flight, failed, timed
 * out) may already rule the key too, so it lowers the deadline to its own send time + ttl until
 * something newer is confirmed.
 *
 * Memory (10 000 held locks are a benchmark scenario): times are kept as integer offsets in ms
 * from `acquiredAt`, which V8 stores in the object itself (small integers), where epoch ms would
 * each be a separate 16-byte number; state, holds and the renewal bit share one small integer, and
 * the signal's controller and a loss's error share one field (docs/design.md, "Heap per lock").
 */
export class LockLease extends Lock {
  /** `null` for the handle of a fail-open run (never held). */
  readonly #host: LeaseHost | null;
  readonly #key: string;
  readonly #storeKey: string;
  readonly #token: string;
  readonly #fence: number;
  /** The latest ttl asked for (by the acquire or `extend`); renewals send it. */
  #ttl: number;
  readonly #renewal: Renewal;
  /** Bound of this lease's renewals and release, in ms. */
  readonly #storeTimeout: number;
  /** When the acquire was sent (epoch ms): the origin of the offsets below. */
  readonly #acquiredAt: number;
  /**
   * The state (bits 0–1, an index into `STATES`), whether a scheduled renewal is in flight (bit
   * 2) and the reentrant holds (from bit 3) in one small integer: one field instead of three.
   */
  #flags = ONE_HOLD;
  /** When the scheduler should renew next (ms after `acquiredAt`); `undefined`: never. */
  #renewAt: number | undefined;
  /** The last confirmed send's time + ttl (ms after `acquiredAt`); the acquire's at first. */
  #confirmedUntil: number;
  /** Sends newer than the confirmed one whose outcome is unknown, in send order. */
  #uncertain: LeaseSend[] | undefined;
  /**
   * The signal's controller, made when someone first reads `signal` (most locks are never
   * watched, and an `AbortController` plus the `AbortError` its `abort()` builds cost more than
   * the rest of an uncontended lock's bookkeeping); until then, the loss's error once lost.
   */
  #ending: AbortController | LockLostError | undefined;

  /** Whether `value` is a lease (not a lock over several keys): a brand check, not `instanceof`. */
  static isLease(value: object): value is LockLease {
    return #token in value;
  }

  constructor(
    host: LeaseHost | null,
    key: string,
    storeKey: string,
    token: string,
    fence: number,
    ttl: number,
    renewal: Renewal,
    storeTimeout: number,
    /** When the acquire was sent (`Date.now()`). */
    acquiredAt: number,
    /**
     * A grant the store keeps for less than `ttl` (see `StoreGrant.ttl`): the lease is held that
     * long at first and extended to `ttl` at half of it, with or without auto-extension.
     */
    grantTtl?: number,
  ) {
    super();
    this.#host = host;
    this.#key = key;
    this.#storeKey = flat(storeKey);
    this.#token = token;
    this.#fence = fence;
    this.#ttl = ttl;
    this.#renewal = renewal;
    this.#storeTimeout = storeTimeout;
    this.#acquiredAt = acquiredAt;
    this.#confirmedUntil = ttl;
    this.#renewAt = renewIntervalFor(renewal, ttl) ?? undefined;
    if (grantTtl !== undefined && grantTtl < ttl) {
      this.#confirmedUntil = grantTtl;
      this.#renewAt = Math.min(this.#renewAt ?? grantTtl, Math.floor(grantTtl / 2));
    }
    if (!host) this.#setState('released');
  }

  override get key(): string {
    return this.#key;
  }

  get storeKey(): string {
    return this.#storeKey;
  }

  override get token(): string {
    return this.#token;
  }

  override get fence(): number {
    return this.#fence;
  }

  /** The latest ttl asked for (by the acquire or `extend`); renewals send it. */
  get ttl(): number {
    return this.#ttl;
  }

  get storeTimeout(): number {
    return this.#storeTimeout;
  }

  /** When the acquire was sent (epoch ms). */
  get acquiredAt(): number {
    return this.#acquiredAt;
  }

  get state(): LeaseState {
    return STATES[this.#flags & STATE_BITS]!;
  }

  /** Reentrant holds; the store lock is released when the last one is. */
  get holds(): number {
    return this.#flags >>> HOLD_SHIFT;
  }

  set holds(holds: number) {
    this.#flags = (this.#flags & (ONE_HOLD - 1)) | (holds << HOLD_SHIFT);
  }

  /** Whether a scheduled renewal is in flight (one at most). */
  get renewing(): boolean {
    return (this.#flags & RENEWING) !== 0;
  }

  set renewing(renewing: boolean) {
    this.#flags = renewing ? this.#flags | RENEWING : this.#flags & ~RENEWING;
  }

  /**
   * When the scheduler should renew next (epoch ms; `Infinity` without auto-extension, except a
   * short grant's one extension to the lease's ttl).
   */
  get nextRenewAt(): number {
    const at = this.#renewAt;
    return at === undefined ? Number.POSITIVE_INFINITY : this.#acquiredAt + at;
  }

  set nextRenewAt(at: number) {
    this.#renewAt = Number.isFinite(at) ? at - this.#acquiredAt : undefined;
  }

  /** Aborts when the lease is lost (with its `LockLostError`) or released (an `AbortError`). */
  override get signal(): AbortSignal {
    const ending = this.#ending;
    if (ending instanceof AbortController) return ending.signal;
    const controller = new AbortController();
    // Already ended: aborted with the reason it would have had if read before.
    if (ending) controller.abort(ending);
    else if (this.state === 'released' && this.#host) controller.abort();
    this.#ending = controller;
    return controller.signal;
  }

  override get held(): boolean {
    return this.isHeld();
  }

  override get expiresAt(): number {
    return this.deadline;
  }

  /** The renewal period for the latest ttl, or `null` without auto-extension. */
  get renewInterval(): number | null {
    return renewIntervalFor(this.#renewal, this.#ttl);
  }

  /** Local deadline (epoch ms); see the class comment. */
  get deadline(): number {
    let deadline = this.#acquiredAt + this.#confirmedUntil;
    if (this.#uncertain === undefined) return deadline;
    for (const send of this.#uncertain) deadline = Math.min(deadline, send.sentAt + send.ttl);
    return deadline;
  }

  /** Record a renewal for `ttl` ms that is about to be sent. */
  send(ttl: number): LeaseSend {
    const send = { sentAt: Date.now(), ttl };
    // Usually the only one: a one-element list, not an empty one grown by `push` (17 slots).
    if (this.#uncertain) this.#uncertain.push(send);
    else this.#uncertain = [send];
    return send;
  }

  /** The store confirmed `send`. An older send confirmed late changes nothing. */
  confirm(send: LeaseSend): void {
    const uncertain = this.#uncertain;
    // Confirming a send drops it and every older one from the list: one not listed is older
    // than a send already confirmed.
    const at = uncertain ? uncertain.indexOf(send) : -1;
    if (this.state !== 'held' || !uncertain || at < 0) return;
    this.#confirmedUntil = send.sentAt + send.ttl - this.#acquiredAt;
    this.#uncertain = at + 1 < uncertain.length ? uncertain.slice(at + 1) : undefined;
    this.nextRenewAt = send.sentAt + (this.renewInterval ?? Number.POSITIVE_INFINITY);
    this.#host?.leaseExtended(this, send.ttl);
  }

  /** Whether the lease is held; one whose deadline has passed is lost now, not at the next timer. */
  isHeld(): boolean {
    if (this.state === 'held' && Date.now() >= this.deadline) this.expire();
    return this.state === 'held';
  }

  /** The deadline passed without a confirmed renewal: the lease is lost. */
  expire(): void {
    this.lose(
      this.#renewal === false
        ? `its ttl of ${this.#ttl} ms ran out (autoExtend is off)`
        : `no renewal was confirmed before its local deadline (ttl ${this.#ttl} ms)`,
    );
  }

  /** Mark the lease lost (once); never throws. */
  lose(reason: string): LockLostError {
    const key = this.#key;
    const error = new LockLostError(`Lock "${key}" was lost: ${reason}.`, { key });
    if (this.state !== 'held') return error;
    this.#setState('lost');
    this.#uncertain = undefined;
    const ending = this.#ending;
    if (ending instanceof AbortController) ending.abort(error);
    else this.#ending = error;
    this.#host?.leaseLost(this, error);
    return error;
  }

  override async extend(ttl: number = this.#ttl): Promise<void> {
    if (!Number.isSafeInteger(ttl) || ttl <= 0) {
      throw new LockConfigError(
        `lock.extend("${this.#key}"): ttl must be a positive integer number of milliseconds, got ${String(ttl)}.`,
        { key: this.#key },
      );
    }
    this.#assertHeld('extend');
    const host = this.#host as LeaseHost;
    // Renewals follow the latest ttl at once, also while this call is in flight.
    this.#ttl = ttl;
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

  override async release(): Promise<boolean> {
    if (this.state === 'held' && this.holds > 1) {
      this.holds -= 1;
      return true;
    }
    const host = this.#host;
    const wasLost = this.state === 'lost';
    if (this.state === 'released' || !host) return false;
    this.#setState('released');
    this.holds = 0;
    const ending = this.#ending;
    if (ending instanceof AbortController && !ending.signal.aborted) ending.abort();
    let released: boolean;
    try {
      // Even a lost lock may still be ours in the store; compare-and-delete is always safe.
      released = await host.release(this);
    } catch (error) {
      host.leaseReleased(this, false);
      throw error;
    }
    host.leaseReleased(this, released && !wasLost);
    return released;
  }

  #setState(state: LeaseState): void {
    this.#flags = (this.#flags & ~STATE_BITS) | STATES.indexOf(state);
  }

  #assertHeld(operation: string): void {
    if (!this.isHeld()) {
      throw new LockNotHeldError(
        `Cannot ${operation} lock "${this.#key}": it is ${this.state === 'lost' ? 'lost' : 'no longer held (released)'}.`,
        { key: this.#key },
      );
    }
  }
}
