/**
 * One `abort` listener per `AbortSignal`, whatever the number of waiters and attempts that watch
 * it. A shutdown signal shared by hundreds of waiting calls would otherwise collect hundreds of
 * listeners (and Node's "11 abort listeners" `MaxListenersExceededWarning`).
 */
interface Watchers {
  readonly callbacks: Set<() => void>;
  readonly dispatch: () => void;
}

const bySignal = new WeakMap<AbortSignal, Watchers>();

/**
 * Call `callback` once when `signal` aborts. Returns a function that stops watching; call it as
 * soon as the wait is over, so callbacks never pile up on a long-lived signal.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let watchers = bySignal.get(signal);
  if (!watchers) {
    const callbacks = new Set<() => void>();
    const dispatch = (): void => {
      bySignal.delete(signal);
      for (const watcher of [...callbacks]) watcher();
      callbacks.clear();
    };
    watchers = { callbacks, dispatch };
    bySignal.set(signal, watchers);
    signal.addEventListener('abort', dispatch, { once: true });
  }
  const { callbacks, dispatch } = watchers;
  // A distinct entry per call, so one function watched twice needs two stops.
  const entry = (): void => callback();
  callbacks.add(entry);
  return () => {
    if (!callbacks.delete(entry) || callbacks.size > 0) return;
    // The last watcher left: so does the listener.
    if (bySignal.get(signal)?.callbacks === callbacks) bySignal.delete(signal);
    signal.removeEventListener('abort', dispatch);
  };
}
