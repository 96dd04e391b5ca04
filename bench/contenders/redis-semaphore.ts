/**
 * redis-semaphore's `Mutex`: `SET NX PX` polled every `retryInterval`, release by Lua
 * compare-and-delete, and a refresh timer per lock at 0.8 × lockTimeout. Its default retry
 * interval is already 10 ms, so there is no separate tuned row.
 */
import type Redis from 'ioredis';
import { Mutex } from 'redis-semaphore';
import { ioredisKind } from '../clients/ioredis';
import type { ContenderDefinition } from '../contender';

export const redisSemaphore: ContenderDefinition<Redis> = {
  id: 'redis-semaphore',
  label: 'redis-semaphore Mutex',
  group: 'peer',
  clientKind: ioredisKind,
  packages: ['redis-semaphore'],
  async create(context) {
    const client = await context.connect();
    return {
      async acquire(key, { ttl, autoExtend }) {
        const mutex = new Mutex(client, key, {
          lockTimeout: ttl,
          ...(autoExtend === false ? { refreshInterval: 0 } : {}),
          // The default throws from a timer; the held-locks scenario counts survivors instead.
          onLockLost: () => undefined,
        });
        await mutex.acquire();
        return { release: () => mutex.release() };
      },
      storageKey: (key) => `mutex:${key}`,
      close: () => context.disconnect(client),
    };
  },
};
