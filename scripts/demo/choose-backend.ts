import { setTimeout as delay } from 'node:timers/promises';
import Redis from 'ioredis';
import type { Backend } from './backend';
import { MemoryBackend } from './memory-backend';
import { RedisBackend } from './redis-backend';
import { ThrowawayRedis } from './throwaway-redis';

/** How long the Redis at REDIS_URL may take to answer PING. */
const PING_TIMEOUT_MS = 3_000;

/** Keys this run writes: locks under `prefix`, the run log at `runLogKey`. */
export interface DemoKeys {
  prefix: string;
  runLogKey: string;
}

/**
 * `REDIS_URL` if set (it must answer: the user asked for it); otherwise a throwaway redis-server
 * from PATH; otherwise, said plainly through `announce`, the in-memory variant.
 */
export async function chooseBackend(
  redisUrl: string | undefined,
  keys: DemoKeys,
  announce: (text: string, loud?: boolean) => void,
): Promise<Backend> {
  if (redisUrl !== undefined) {
    announce(
      `checking that REDIS_URL (${redisUrl}) answers PING (up to ${PING_TIMEOUT_MS / 1_000} s)`,
    );
    const problem = await pingOnce(redisUrl);
    if (problem) {
      throw new Error(
        `REDIS_URL=${redisUrl} does not answer PING (${problem}). Start that server, fix REDIS_URL, or unset it to let the demo start its own redis-server.`,
      );
    }
    return new RedisBackend(
      redisUrl,
      `Redis at ${redisUrl} (REDIS_URL); this run's keys start with ${keys.prefix}`,
      keys.runLogKey,
      keys.prefix,
    );
  }
  announce('REDIS_URL is not set: starting a throwaway redis-server from PATH (up to 5 s)');
  try {
    const server = await ThrowawayRedis.start();
    return new RedisBackend(
      server.url,
      `throwaway redis-server on ${server.url} (pid ${server.pid}), stopped at the end`,
      keys.runLogKey,
      keys.prefix,
      server,
    );
  } catch (error) {
    announce(
      `NO REDIS: ${error instanceof Error ? error.message : String(error)}, and REDIS_URL is not set. ` +
        'Running the SINGLE-PROCESS variant instead: 3 replicas as worker threads sharing one MemoryLockStore. ' +
        'Install redis-server (apt-get install redis-server, brew install redis) or set REDIS_URL to see real processes.',
      true,
    );
    return new MemoryBackend(keys.prefix);
  }
}

/** `undefined` if the server answers PING in time, else what went wrong first. */
async function pingOnce(url: string): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  let firstError: string | undefined;
  client.on('error', (error: Error) => (firstError ??= error.message));
  const ac = new AbortController();
  try {
    const answered = await Promise.race([
      client
        .connect()
        .then(() => client.ping())
        .then(
          () => true,
          (error: Error) => {
            firstError ??= error.message;
            return false;
          },
        ),
      delay(PING_TIMEOUT_MS, false, { signal: ac.signal }),
    ]);
    return answered ? undefined : (firstError ?? `no answer within ${PING_TIMEOUT_MS / 1_000} s`);
  } finally {
    ac.abort();
    client.disconnect();
  }
}
