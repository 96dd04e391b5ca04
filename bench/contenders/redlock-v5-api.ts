/**
 * redlock 5 and its maintained fork @sesamecare-oss/redlock share one API: a Lua
 * `EXISTS`/`SET PX` acquire retried every 200 ± 100 ms up to 10 times, release by Lua, and
 * auto-extension only inside `using()` (extends 500 ms before expiry). Both contender files are
 * this function applied to their class.
 */
import type Redis from 'ioredis';
import { ioredisKind } from '../clients/ioredis';
import { holdWhile, withTunedRetry, type ContenderDefinition } from '../contender';

interface RedlockV5 {
  acquire(resources: string[], duration: number): Promise<{ release(): Promise<unknown> }>;
  using<T>(resources: string[], duration: number, routine: () => Promise<T>): Promise<T>;
}

type RedlockV5Class = new (
  clients: Iterable<Redis>,
  settings?: { retryDelay?: number; retryJitter?: number; retryCount?: number },
) => RedlockV5;

export function redlockV5Contenders(
  Redlock: RedlockV5Class,
  base: { id: string; label: string; packages: string[] },
): Array<ContenderDefinition<Redis>> {
  return withTunedRetry<Redis>(
    { ...base, group: 'peer', clientKind: ioredisKind },
    async (context, retry) => {
      const client = await context.connect();
      const redlock = new Redlock(
        [client],
        retry && { retryDelay: retry.delay, retryJitter: retry.jitter, retryCount: retry.attempts },
      );
      // Errors are reported on the instance as well; without a listener they would be thrown.
      (redlock as unknown as NodeJS.EventEmitter).on('error', () => undefined);
      return {
        async acquire(key, { ttl, autoExtend }) {
          if (autoExtend) return holdWhile((body) => redlock.using([key], ttl, body));
          const lock = await redlock.acquire([key], ttl);
          return { release: async () => void (await lock.release()) };
        },
        storageKey: (key) => key,
        close: () => context.disconnect(client),
      };
    },
  );
}
