/**
 * Issue 9, default mode's local hand-off on a real redis-server: a release hands the lock to the
 * next waiting plain caller of the same engine ahead of other processes' plain waiters, at most 4
 * times in a row (then the store's queue decides), and never ahead of a fair waiter. Two engines
 * with their own connections and stores stand for two processes; each holder releases only once
 * every engine that still has a waiter has it in the store's queue, so the order is decided by
 * the rule, not by who registered first.
 */
import type { Lock, LockEngine } from '../../../src';
import { Probe } from '../../support/grant-probe';
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

    it("each waiter of a process joins the store's queue once: no release wakes it to repeat that", async () => {
      const key = 'local-hand-off:once';
      const { queue } = fairKeys(key);
      const probe = new Probe(engines.store());
      const a = engines.create({
        store: probe,
        defaults: { ttl: 10_000, waitTimeout: 10_000, retryDelay: 5_000 },
      });
      const first = await a.acquire(key);
      let left = 4;
      const locals = Array.from({ length: 4 }, () =>
        a.acquire(key).then(async (lock) => {
          left -= 1;
          // The next waiter (if any) is in the store's queue before this one releases.
          const queued = left > 0 ? 1 : 0;
          await waitUntil(
            `${queued} queued`,
            async () => (await redis.raw.zcard(queue)) === queued,
          );
          await lock.release();
        }),
      );
      await waitUntil('the head queued', async () => (await redis.raw.zcard(queue)) === 1);
      await first.release();
      await Promise.all(locals);

      // One acquire call per caller: the holder's, then one registration per waiter, each granted.
      const perOwner = new Map<string, number>();
      for (const { owner } of probe.acquires) perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
      expect([...perOwner.values()]).toEqual([1, 1, 1, 1, 1]);
    });
  },
);
