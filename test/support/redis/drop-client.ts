import type { Cluster, Redis } from 'ioredis';

/**
 * Disconnect an ioredis client the way a fixture should: at once, and without leaving a timer
 * behind. `disconnect()` arms a 2 s, ref'd timer that destroys the socket unless the socket's
 * `close` event clears it first; on a client whose connection has already ended (a refused
 * connect, a QUIT, a server killed with `retryStrategy: () => null`) that event has passed, so
 * the timer holds the process for 2 s — long enough for Jest to report "did not exit one second
 * after the test run" or to force-kill a worker "leaking due to improper teardown".
 */
export function dropClient(client: Redis | Cluster): void {
  if (client.status === 'end') return;
  client.disconnect();
}
