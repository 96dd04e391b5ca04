import { backoffDelay } from './backoff';

/**
 * A fair waiter refreshes its place in the store's queue every 250–500 ms, well within the
 * store's waiter ttl (2 s), so a live waiter is never dropped and a dead one is dropped soon.
 */
export const FAIR_REFRESH_MS = 500;

/** What a waiter knows when it plans its next sleep. */
export interface WaitState {
  /** Whether it may attempt (fair, or the head of the local queue). */
  mayAttempt: boolean;
  fair: boolean;
  retryDelay: number;
  /** Attempts made so far. */
  attempts: number;
  /** ms until the caller's `waitTimeout` runs out. */
  untilDeadline: number;
  /** When the holder's lease ends by `performance.now()`, if the store could tell finely. */
  freeAt: number | undefined;
  /** The holder's remaining ms by the last attempt (rounded down), `-1` if unknown. */
  holderTtl: number;
}

/**
 * How long a waiter sleeps before it looks again (unless woken), and whether that sleep must end
 * right on time (`exact`: at the holder's known expiry). `now` is `performance.now()`.
 */
export function planSleep(
  w: WaitState,
  now = performance.now(),
): { sleep: number; exact: boolean } {
  // Only a waiter that may attempt has a reason to wake before its deadline: at the holder's
  // expiry, and on its backoff (plain) or queue refresh (fair, well before the store forgets it).
  if (!w.mayAttempt) return { sleep: w.untilDeadline, exact: false };
  // A plain head in a granting store's queue keeps its backoff (each attempt refreshes its
  // place; past the waiter ttl its place lapses and a release wakes it as before).
  const planned = w.fair
    ? FAIR_REFRESH_MS / 2 + Math.random() * (FAIR_REFRESH_MS / 2)
    : backoffDelay(w.retryDelay, Math.max(1, w.attempts));
  const sleep = Math.min(w.untilDeadline, planned);
  if (w.freeAt !== undefined) {
    // The store told when the lease ends, to a fraction of a ms: wake right after it. A planned
    // wake-up shortly before that would find the lock still held (a release would have woken
    // us) and cost one more attempt, so it moves to the end of the lease, by at most the planned
    // sleep again and FAIR_REFRESH_MS: a place in the store's queue is still refreshed well
    // within its waiter ttl.
    const left = w.freeAt - now;
    if (left <= Math.min(w.untilDeadline, sleep + Math.min(planned, FAIR_REFRESH_MS))) {
      return { sleep: left, exact: true };
    }
    return { sleep, exact: false };
  }
  if (w.holderTtl >= 0) {
    // The store's remaining ttl is rounded down, so the key is gone within 1 ms of it: waking
    // right then takes the lock within about a timer's lateness of its expiry. An attempt that
    // lands in the last ms or two (0 or 1 left) sleeps past the expiry instead of trying again
    // at once: retries within the ms the key still lives in would be polling, a few commands
    // each.
    return {
      sleep: Math.min(sleep, w.holderTtl >= 2 ? w.holderTtl : w.holderTtl + 1),
      exact: false,
    };
  }
  return { sleep, exact: false };
}
