/** The ceiling of the exponential backoff, unless `retryDelay` itself is larger. */
const BACKOFF_CAP = 1000;

/**
 * Delay before retry number `attempt` (1-based): `retryDelay * 2^(attempt-1)`, capped, with
 * "equal jitter" (half fixed, half random) so waiters in different processes spread out.
 */
export function backoffDelay(retryDelay: number, attempt: number, random = Math.random): number {
  const cap = Math.max(retryDelay, BACKOFF_CAP);
  const base = Math.min(cap, retryDelay * 2 ** Math.min(attempt - 1, 30));
  return Math.ceil(base / 2 + (random() * base) / 2);
}
