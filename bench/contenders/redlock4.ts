/**
 * redlock 4 on one Redis: a Lua `EXISTS`/`SET PX` acquire retried every 200 ± 100 ms up to 10
 * times, and after every failed attempt an unlock call. No auto-extension: a timer per lock
 * calls `lock.extend(ttl)` every ttl / 3 when asked.
 */
import type Redis from 'ioredis';
import Redlock from 'redlock';
import { ioredisKind } from '../clients/ioredis';
import { renewEvery, withTunedRetry } from '../contender';

export const redlock4 = withTunedRetry<Redis>(
  {
    id: 'redlock4',
    label: 'redlock 4',
    group: 'peer',
    clientKind: ioredisKind,
    packages: ['redlock'],
  },
  async (context, retry) => {
    const client = await context.connect();
    const redlock = new Redlock(
      [client],
      retry && { retryDelay: retry.delay, retryJitter: retry.jitter, retryCount: retry.attempts },
    );
    return {
      async acquire(key, { ttl, autoExtend }) {
        const lock = await redlock.lock(key, ttl);
        const stop = autoExtend ? renewEvery(ttl, () => lock.extend(ttl)) : null;
        return {
          async release() {
            stop?.();
            await lock.unlock();
          },
        };
      },
      storageKey: (key) => key,
      close: () => context.disconnect(client),
    };
  },
);
