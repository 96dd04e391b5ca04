/**
 * Issue 9, default mode's local hand-off on a real redis-server: a release hands the lock to the
 * next waiting plain caller of the same engine ahead of other processes' plain waiters, at most 4
 * times in a row (then the store's queue decides), and never ahead of a fair waiter. Two engines
 * with their own connections and stores stand for two processes; each holder releases only once
 * every engine that still has a waiter has it in the store's queue, so the order is decided by
 * the rule, not by who registered first.
 */
import type { Lock, LockEngine } from '../../../src';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { fairKeys } from '../../support/redis/lock-layout';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';
import { waitUntil } from '../../support/wait-until';

describeWithRedis(
  'default mode hands the lock on within its process first (real redis-server)',
  () => {
    const redis = useRedisServer();
    const engines = useEngines(redis);

    const process = (): LockEngine =>
      engines.create({
        store: engines.store(),
        // A long backoff: waiters make no attempt of their own accord between the steps.
        defaults: { ttl: 10_000, waitTimeout: 10_000, retryDelay: 5_000 },
      });

    it.each([
      // The other engine's plain waiter queued first, and is overtaken 4 times, then gets its turn.
      ['plain', false, ['a1', 'a2', 'a3', 'a4', 'b', 'a5', 'a6']],
      // A fair waiter queued first is never overtaken.
      ['fair', true, ['b', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6']],
    ])(
      "another engine's %s waiter queued first: the lock goes to the local waiters in turn, bounded",
      async (_mode, fair, expected) => {
        const key = `local-hand-off:${String(fair)}`;
        const { queue } = fairKeys(key);
        const [a, b] = [process(), process()];
        const order: string[] = [];
        let localLeft = 6;
        let otherLeft = 1;
        const queued = async (): Promise<number> => redis.raw.zcard(queue);
        // Release once each engine with a waiter left has it in the store's queue.
        const holdThenRelease = async (name: string, lock: Lock): Promise<void> => {
          order.push(name);
          if (name === 'b') otherLeft -= 1;
          else localLeft -= 1;
          const expectedQueued = otherLeft + (localLeft > 0 ? 1 : 0);
          await waitUntil(
            `${expectedQueued} queued`,
            async () => (await queued()) === expectedQueued,
          );
          await lock.release();
        };

        const first = await a.acquire(key);
        const other = b.acquire(key, { fair }).then((lock) => holdThenRelease('b', lock));
        await waitUntil('b queued', async () => (await queued()) === 1);
        const locals = Array.from({ length: 6 }, (_, i) =>
          a.acquire(key).then((lock) => holdThenRelease(`a${i + 1}`, lock)),
        );
        await waitUntil("a's head queued too", async () => (await queued()) === 2);
        await first.release();
        await Promise.all([other, ...locals]);

        expect(order).toEqual(expected);
        expect(await redis.raw.exists(fairKeys(key).lock, queue)).toBe(0);
      },
      30_000,
    );
  },
);
