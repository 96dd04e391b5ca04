/** The longest a subscriber waits between two reconnection attempts, in ms. */
export const MAX_RECONNECT_DELAY = 2_000;

/**
 * How long a subscriber waits before reconnection attempt `attempt` (1, 2, ...): doubling from
 * 100 ms up to 2 s, with equal jitter so that many processes cut off together do not reconnect
 * together. Bounded on purpose: a subscriber whose server is gone must cost next to no CPU (a
 * reconnect loop without a delay burned a whole core when every cluster node was down), yet find
 * the server again within 2 s of its return.
 */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(100 * 2 ** Math.max(0, attempt - 1), MAX_RECONNECT_DELAY);
  return Math.round(base / 2 + (Math.random() * base) / 2);
}
