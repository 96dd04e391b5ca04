import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Poll `check` until it returns something other than `false`, `null` or `undefined`, for at most
 * `timeoutMs`, and return that. Used to reach a state (a key expired, an entry queued, a count
 * reached), never to assert how fast it was reached. Free of Jest globals, so forked workers use
 * it too.
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 5_000,
  intervalMs = 10,
): Promise<Exclude<T, false | null | undefined>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== null && value !== undefined) {
      return value as Exclude<T, false | null | undefined>;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
