/**
 * The longest delay Node's timers honour. A longer one fires after 1 ms (with a
 * `TimeoutOverflowWarning`), which would turn a 30-day wait into a busy loop.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay Node can arm as given: at most {@link MAX_TIMER_MS}, never negative. For timers whose
 * callback re-checks what is due (the renewal scheduler, a waiter's loop), firing early is harmless,
 * so clamping is all a long duration needs.
 */
export function clampDelay(ms: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(0, ms));
}

/** A timer started by {@link setLongTimeout}. */
export interface LongTimer {
  clear(): void;
}

/**
 * Call `fn` once, `ms` from now, for any `ms` (also beyond {@link MAX_TIMER_MS}): a long delay is
 * waited in chunks. For timers whose callback acts without re-checking the time (a store call's
 * bound). `unref` keeps it from holding the process open.
 */
export function setLongTimeout(fn: () => void, ms: number, unref = false): LongTimer {
  const due = Date.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = (delay: number): void => {
    timer = setTimeout(() => {
      const left = due - Date.now();
      if (left > 0) arm(left);
      else fn();
    }, clampDelay(delay));
    if (unref) timer.unref();
  };
  arm(ms);
  return { clear: () => clearTimeout(timer) };
}
