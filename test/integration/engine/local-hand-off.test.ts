/**
 * Issue 9, default mode's local hand-off on a real redis-server: a release hands the lock to the
 * next waiting plain caller of the same engine ahead of other processes' plain waiters, within
 * the bounds of LOCAL_BURST (a number of hand-offs in a row, a time since the burst began; each
 * case pins one of them by setting the other out of the way), and never ahead of a fair waiter.
 * Two engines with their own connections and stores stand for two processes; each holder
 * releases only once every engine that still has a waiter has it in the store's queue, so the
 * order is decided by the rule, not by who registered first.
 */
import type { Lock, LockEngine } from '../../../src';
import { LOCAL_BURST } from '../../../src/engine/key-waiters';
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
    afterEach(() => jest.restoreAllMocks());

    // `retryDelay`: engine a's waiters make no attempt of their own accord between the steps;
    // b's one waiter refreshes its place (ticket kept) well within the store's 2 s waiter ttl,
    // so a slow run cannot drop it from the queue and change the order.
    const process = (retryDelay = 5_000): LockEngine =>
      engines.create({
        store: engines.store(),
        defaults: { ttl: 10_000, waitTimeout: 10_000, retryDelay },
      });

    it.each([
      // The other engine's plain waiter queued first, and is overtaken 4 times (the count
      // bound), then gets its turn.
      ['plain', false, 60_000, ['a1', 'a2', 'a3', 'a4', 'b', 'a5', 'a6']],
      // A burst already older than its time bound hands on to the queue's head at once.
      ['plain', false, 0, ['b', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6']],
      // A fair waiter queued first is never overtaken.
      ['fair', true, 60_000, ['b', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6']],
    ])(
      "another engine's %s waiter (fair: %s) queued first, bursts of 4 or %i ms at most: the lock goes %j",
      async (_mode, fair, burstMs, expected) => {
        jest.replaceProperty(LOCAL_BURST, 'maxHandOffs', 4);
        jest.replaceProperty(LOCAL_BURST, 'burstMs', burstMs);
        const key = `local-hand-off:${String(fair)}:${burstMs}`;
        const { queue } = fairKeys(key);
        const [a, b] = [process(), process(200)];
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
