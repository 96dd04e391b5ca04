import { setTimeout as delay } from 'node:timers/promises';

/** Poll period of {@link waitUntil}: short next to everything the demo waits for. */
const POLL_MS = 25;

/**
 * Wait until `done()` holds, at most `timeoutMs`; rejects naming `what` it waited for, or with
 * the signal's reason (Ctrl-C). `failed()` may end the wait early with a reason (a replica died).
 */
export async function waitUntil(
  done: () => boolean,
  options: {
    timeoutMs: number;
    what: string;
    signal: AbortSignal;
    failed?: () => string | undefined;
  },
): Promise<void> {
  const until = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal.throwIfAborted();
    if (done()) return;
    const failure = options.failed?.();
    if (failure) throw new Error(`while waiting for ${options.what}: ${failure}`);
    if (Date.now() >= until) {
      throw new Error(`gave up waiting for ${options.what} after ${options.timeoutMs / 1_000} s`);
    }
    await delay(POLL_MS, undefined, { signal: options.signal });
  }
}

/** Sleep until the epoch-ms time `at` (or the signal aborts). */
export async function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  const ms = at - Date.now();
  if (ms > 0) await delay(ms, undefined, { signal });
  signal.throwIfAborted();
}
