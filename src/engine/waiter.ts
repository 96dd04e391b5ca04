import type { StoreGrant } from '../stores/lock-store';
import { onAbort } from './abort-listeners';
import { clampDelay } from './timers';

/**
 * One caller waiting for a key. Only the head of a key's local queue makes attempts; the others
 * sleep until they are promoted, their deadline passes, or their signal aborts.
 */
export class Waiter {
  /** Set by {@link Waiter.wake} and consumed by the next sleep or attempt. */
  woken = false;
  /**
   * Whether the waiter is in the store's queue, where a store that grants can give it the lock
   * (then a local release need not wake it: the store's message will).
   */
  inStore = false;
  /** The grant the store announced for this waiter, until the waiter takes it. */
  granted: StoreGrant | undefined;
  #resolve: (() => void) | undefined;
  #reject: ((reason: unknown) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #stopWatching: (() => void) | undefined;
  #failure: unknown;

  constructor(
    private readonly signal: AbortSignal | undefined,
    /**
     * Whether the wait was started inside a running `withLock` body of the same engine: closing
     * the engine lets such waits go on until the bodies have had their time (`close({ timeout })`).
     */
    readonly nested: boolean,
    /** The waiter's owner token ('' when nobody needs it). */
    readonly token = '',
  ) {}

  /** Wake the waiter now (a release was announced, or it became head of the queue). */
  wake(): void {
    this.woken = true;
    this.#settle();
  }

  /** The store granted the lock to this waiter: wake it to take the lease. */
  grant(grant: StoreGrant): void {
    this.granted = grant;
    this.wake();
  }

  /** Make the waiter's current and future sleeps reject with `reason` (engine closed). */
  fail(reason: unknown): void {
    this.#failure ??= reason;
    const reject = this.#reject;
    this.#clear();
    reject?.(reason);
  }

  /**
   * Sleep up to `ms`, or less if woken. The timer is deliberately not `unref`'d: an awaited
   * acquisition is pending work, and the process must not exit underneath it. A sleep longer than
   * Node's timer limit ends at the limit; the caller's loop then simply sleeps again.
   */
  sleep(ms: number): Promise<void> {
    return this.#sleep(ms, false);
  }

  /**
   * Sleep `ms` (with a fraction) by `performance.now()`, or less if woken, ending as soon after
   * it as the event loop allows: a timer to about 1 ms before the end (an idle process's timer
   * fires up to a ms late), then turns of the event loop (other I/O still runs) for the rest, 1–2
   * ms of them. For waking right after a lock's known expiry, where a timer's lateness would be
   * most of the time the lock stays free.
   */
  sleepExactly(ms: number): Promise<void> {
    return this.#sleep(ms, true);
  }

  #sleep(ms: number, exact: boolean): Promise<void> {
    // Rejections carry the caller's abort reason unchanged, as fetch() does.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (this.signal?.aborted) return Promise.reject(this.signal.reason);
    if (this.woken) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      // A timer cannot fire sooner than 1 ms; a sleep of 0 (the lock is about to expire) only
      // lets I/O and other work run first.
      if (ms <= 0) this.#immediate = setImmediate(() => this.#settle());
      else if (exact) {
        const now = performance.now();
        this.#sleepExactlyUntil(now + ms, now, Number.NaN);
      } else this.#sleepUntil(Date.now() + ms, ms);
      const signal = this.signal;
      if (signal) {
        this.#stopWatching = onAbort(signal, () => {
          const rejectNow = this.#reject;
          this.#clear();
          rejectNow?.(signal.reason);
        });
      }
    });
  }

  /**
   * A timer counts whole ms of the event loop's clock, so it can fire up to 1 ms before `ms` have
   * passed by `Date.now()` (the clock a store's remaining ttl is measured against); woken that
   * early, it sleeps the rest, so a sleep to a lock's expiry does not land just before it and
   * cost an attempt. Only a ms or two: a wall clock stepped back, or a sleep beyond Node's timer
   * limit (which ends at the limit), is not slept again here.
   */
  #sleepUntil(until: number, ms: number): void {
    this.#timer = setTimeout(() => {
      const left = until - Date.now();
      if (left > 0 && left <= 2) this.#sleepUntil(until, left);
      else this.#settle();
    }, clampDelay(ms));
  }

  /**
   * The steps of {@link Waiter.sleepExactly}, at `now` (before `until`): while 2 ms or more
   * are left, a timer for all but 1–2 of them (it may fire early by the loop's whole-ms clock, or
   * late, and then this looks again), else an immediate. A clock that did not move since the
   * last look (faked time in tests) gets a 1 ms timer, so immediates never spin on it.
   */
  #sleepExactlyUntil(until: number, now: number, lookedAt: number): void {
    const look = (): void => {
      const later = performance.now();
      if (later >= until) this.#settle();
      else this.#sleepExactlyUntil(until, later, now);
    };
    const left = until - now;
    if (left >= 2 || now === lookedAt) {
      this.#timer = setTimeout(look, clampDelay(Math.max(1, Math.floor(left) - 1)));
    } else this.#immediate = setImmediate(look);
  }

  #settle(): void {
    const resolve = this.#resolve;
    this.#clear();
    resolve?.();
  }

  #clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    this.#timer = undefined;
    this.#resolve = undefined;
    this.#reject = undefined;
  }
}
