import { onAbort } from './abort-listeners';
import { addDeadline } from './call-deadlines';

/** A store call did not answer within its bound; the engine turns it into a `LockStoreError`. */
export class StoreCallTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no reply within ${timeoutMs} ms`);
    this.name = 'StoreCallTimeout';
  }
}

/** How long a store call may take, and what happens when it takes longer. */
export interface StoreCallBound<T> {
  /** Give up after this many ms (the `storeTimeout`), rejecting with {@link StoreCallTimeout}. */
  timeoutMs: number;
  /** Give up at once when this aborts, rejecting with its reason. */
  signal?: AbortSignal | undefined;
  /**
   * The call answered after we gave up. The store may have done what we asked (granted a lock),
   * so this is where it is undone: nothing may stay locked on the way out.
   */
  onLate?: (value: T) => void;
  /** Background calls (renewals) must not keep the process alive. */
  unref?: boolean;
  /**
   * What to reject with instead of a failure, a timeout or the signal's reason: applied here
   * rather than in a `then` of the caller's, so each store call costs one promise fewer.
   */
  mapError?: (cause: unknown) => unknown;
}

/**
 * `call`, bounded: it settles as the call does, or rejects when the bound's time is up or its
 * signal aborts, whichever comes first. A store that does not answer (Redis paused, a dead
 * connection without a client-side timeout) then cannot hold a caller for longer than
 * `timeoutMs`.
 */
export function boundStoreCall<T>(call: Promise<T>, bound: StoreCallBound<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const fail = (cause: unknown): void => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(bound.mapError ? bound.mapError(cause) : cause);
    };
    const finish = (): void => {
      settled = true;
      timer.clear();
      stopWatching?.();
    };
    const giveUp = (reason: unknown): void => {
      if (settled) return;
      finish();
      // The caller's abort reason is passed through unchanged, as fetch() does.
      fail(reason);
      call.then(
        (late) => bound.onLate?.(late),
        () => undefined,
      );
    };
    const timer = addDeadline(
      () => giveUp(new StoreCallTimeout(bound.timeoutMs)),
      bound.timeoutMs,
      bound.unref,
    );
    const { signal } = bound;
    const stopWatching = signal && onAbort(signal, () => giveUp(signal.reason));
    if (signal?.aborted) giveUp(signal.reason);
    call.then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        finish();
        fail(error);
      },
    );
  });
}
