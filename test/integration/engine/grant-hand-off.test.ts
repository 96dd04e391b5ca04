/**
 * Issue 9, hand-off by grant on a real redis-server: a release grants the lock to the head of the
 * store's queue, and the waiting acquire resolves from the release's message alone. Each engine
 * has its own connection and store (two "processes"); raw Redis state is checked after each step.
 */
import type { LockEngine } from '../../../src';
import { Probe, queuedAndQuiet } from '../../support/grant-probe';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { fairKeys } from '../../support/redis/lock-layout';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';

describeWithRedis('hand-off by grant (real redis-server)', () => {
  const redis = useRedisServer();
  const engines = useEngines(redis);

  const process = (): { engine: LockEngine; probe: Probe } => {
    const probe = new Probe(engines.store());
    const engine = engines.create({
      store: probe,
      // A long backoff: between the tests' steps, waiters make no attempt of their own accord
      // (only their queue refresh, every 250-500 ms).
      defaults: { ttl: 10_000, waitTimeout: 10_000, retryDelay: 5_000 },
    });
    return { engine, probe };
  };

  it.each([
    ['default', false],
    ['fair', true],
  ])(
    '%s mode: the release grants the waiter the lock; it makes no attempt after the release',
    async (_mode, fair) => {
      const key = `grant:${String(fair)}`;
      const keys = fairKeys(key);
      const [a, b] = [process(), process()];
      const held = await a.engine.acquire(key, { fair });
      const acquired: number[] = [];
      b.engine.on('acquired', (event) => acquired.push(event.fence));
      const waiting = b.engine.acquire(key, { fair, ttl: 7_000, metadata: 'b-host' });
      waiting.catch(() => undefined);
      await queuedAndQuiet(b.probe);
      const attempts = b.probe.acquires.length;
      expect(
        await redis.raw.hget(`${keys.lock}:w`, (await redis.raw.zrange(keys.queue, 0, 0))[0]!),
      ).toMatch(
        // A default-mode waiter's record is marked '~': a release may overtake it (a fair one never).
        fair ? /^7000 [\w-]{12} b-host$/ : /^7000 ~[\w-]{12} b-host$/,
      );

      await held.release();
      const lock = await waiting;

      // The lease came from the grant: no attempt of the waiter won the lock (a queue refresh
      // could, rarely, be sent in the release's round trip; it would find the lock granted).
      expect(b.probe.acquires.slice(attempts).length).toBeLessThanOrEqual(1);
      expect(b.probe.acquires.every((x) => !x.result?.acquired)).toBe(true);
      expect(b.probe.heard).toEqual([
        { next: lock.token, grant: expect.objectContaining({ fence: lock.fence }) as object },
      ]);
      expect(acquired).toEqual([lock.fence]);
      expect(lock.fence).toBeGreaterThan(held.fence);
      // The store holds it for the waiter, with the waiter's ttl and metadata.
      expect(await redis.raw.hmget(keys.lock, 'o', 'f', 'm')).toEqual([
        lock.token,
        String(lock.fence),
        'b-host',
      ]);
      const pttl = await redis.raw.pttl(keys.lock);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(7_000);
      // The local deadline is not later than the store's.
      expect(lock.expiresAt).toBeLessThanOrEqual(Date.now() + pttl + 1);
      // Queue, deadlines and grant records are gone with the only waiter.
      expect(await redis.raw.exists(keys.queue, keys.deadlines, `${keys.lock}:w`)).toBe(0);
      await lock.release();
      expect(await redis.raw.exists(keys.lock)).toBe(0);
    },
  );

  it('a waiter that gives up after it was granted gives the lock to the next one', async () => {
    const key = 'grant:gives-up';
    const keys = fairKeys(key);
    const [a, b, c] = [process(), process(), process()];
    const held = await a.engine.acquire(key);
    const controller = new AbortController();
    const gaveUp = b.engine.acquire(key, { signal: controller.signal }).catch(() => 'gave up');
    await queuedAndQuiet(b.probe);
    const next = c.engine.acquire(key);
    next.catch(() => undefined);
    await queuedAndQuiet(c.probe);
    b.probe.deaf = true; // B misses its grant
    await held.release();
    const grantedTo = await redis.raw.hget(keys.lock, 'o');
    expect(grantedTo).not.toBeNull();
    controller.abort();
    expect(await gaveUp).toBe('gave up');
    const lock = await next;
    expect(await redis.raw.hget(keys.lock, 'o')).toBe(lock.token);
    expect(lock.token).not.toBe(grantedTo);
    await lock.release();
    expect(await redis.raw.exists(keys.lock, keys.queue, keys.deadlines, `${keys.lock}:w`)).toBe(0);
  });

  it('a waiter that missed its grant message gets the lease by its next attempt', async () => {
    const key = 'grant:lost-message';
    const keys = fairKeys(key);
    const [a, b] = [process(), process()];
    const held = await a.engine.acquire(key);
    // Fair: its next attempt is its queue refresh (within 500 ms), well inside the grant, which
    // lasts as long as its place in the queue would have (its waiter ttl, 2 s, from its last
    // attempt).
    const waiting = b.engine.acquire(key, { fair: true });
    waiting.catch(() => undefined);
    await queuedAndQuiet(b.probe);
    b.probe.deaf = true;
    await held.release();
    const fence = Number(await redis.raw.hget(keys.lock, 'f'));
    const lock = await waiting;
    expect(lock.fence).toBe(fence);
    expect(b.probe.acquires.at(-1)!.result).toMatchObject({ acquired: true, fence });
    await lock.release();
  });

  it.each([
    ['default', false],
    ['fair', true],
  ])(
    '%s mode: a waiter granted by its own process’s release resumes before the releasing caller',
    async (_mode, fair) => {
      const key = `grant:same-process:${String(fair)}`;
      const { engine, probe } = process();
      const queued = () =>
        probe.acquires.filter((a) => a.result && !a.result.acquired && a.result.queued).length;
      let held = await engine.acquire(key, { fair });
      // A fair waiter refreshes its place every 250–500 ms; a refresh in flight when the grant
      // arrives is the designed exception (the grant is taken after that attempt's reply). Such
      // a hand-off proves nothing either way, so the next waiter tries again.
      for (let round = 1; ; round += 1) {
        const order: string[] = [];
        const before = queued();
        const waiting = engine.acquire(key, { fair }).then((lock) => {
          order.push('waiter has the lock');
          return lock;
        });
        waiting.catch(() => undefined);
        await queuedAndQuiet(probe, before + 1);
        const attempts = probe.acquires.length;

        await held.release();
        order.push('releaser resumed');
        const lock = await waiting;
        expect(lock.fence).toBeGreaterThan(held.fence);
        held = lock;
        if (probe.acquires.length > attempts && round < 5) continue;
        // The grant came with the release's reply; the new holder went first, so whatever the
        // releasing caller does next (often: take the lock again) does not delay it.
        expect(order).toEqual(['waiter has the lock', 'releaser resumed']);
        break;
      }
      await held.release();
    },
  );
});
