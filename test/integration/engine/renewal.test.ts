import { setTimeout as sleep } from 'node:timers/promises';
import {
  LockLostError,
  LockNotHeldError,
  type Lock,
  type LockExtendedEvent,
  type LockLostEvent,
} from '../../../src';
import { nextEvent } from '../../support/next-event';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { ScriptedStore } from '../../support/scripted-store';
import { useEngines } from '../../support/use-engines';
import { waitUntil } from '../../support/wait-until';

describeWithRedis('renewal (real redis-server)', () => {
  const redis = useRedisServer();
  const engines = useEngines(redis);

  it('auto-extension keeps a ttl-600 lock alive for more than 3 × ttl', async () => {
    const ttl = 600;
    const engine = engines.create();
    const extended: LockExtendedEvent[] = [];
    engine.on('extended', (event) => extended.push(event));
    const lock = await engine.acquire('renew:alive', { ttl });

    // Sample the key for 3.5 ttl: it must never be missing or belong to anyone else.
    const samples: Array<[string | null, number]> = [];
    const until = Date.now() + 3.5 * ttl;
    while (Date.now() < until) {
      const [owner, pttl] = await Promise.all([
        redis.raw.hget('lw:{renew:alive}', 'o'),
        redis.raw.pttl('lw:{renew:alive}'),
      ]);
      samples.push([owner, pttl]);
      await sleep(25);
    }
    expect(samples.length).toBeGreaterThan(10);
    for (const [owner, pttl] of samples) {
      expect(owner).toBe(lock.token);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(ttl);
    }
    // Outliving 3.5 ttl needs at least 3 confirmed renewals, each announced.
    expect(extended.length).toBeGreaterThanOrEqual(3);
    for (const event of extended) {
      expect(event).toMatchObject({ key: 'renew:alive', fence: lock.fence, ttl });
    }
    expect(lock.held).toBe(true);
    expect(lock.signal.aborted).toBe(false);
    await expect(lock.release()).resolves.toBe(true);
  });

  it('renewals that fall due together share one renewMany call (one pipeline)', async () => {
    const LOCKS = 100;
    const client = redis.client();
    // Count pipelines the store opens, to see one round trip per batch on the wire side too.
    let pipelines = 0;
    const pipeline = client.pipeline.bind(client);
    client.pipeline = (...args: Parameters<typeof client.pipeline>) => {
      pipelines += 1;
      return pipeline(...args);
    };
    const store = new ScriptedStore(engines.store({ connection: client }));
    const engine = engines.create({ store });

    const locks = await Promise.all(
      Array.from({ length: LOCKS }, (_, i) => engine.tryAcquire(`batch:${i}`, { ttl: 900 })),
    );
    expect(locks.every((lock) => lock !== null)).toBe(true);
    // Concurrent acquires travel in pipelines too (the ioredis port coalesces writes): count
    // from here, where only renewals run.
    const pipelinesBefore = pipelines;

    // Two rounds of renewals for every lock.
    await waitUntil('two renewal rounds', () => sum(store.batches) >= 2 * LOCKS, 5_000);
    const renewals = sum(store.batches);
    expect(store.calls.renew).toBe(0);
    expect(pipelines - pipelinesBefore).toBe(store.batches.length);
    // Locks taken together renew together: a handful of big batches, not one call per lock.
    expect(Math.max(...store.batches)).toBeGreaterThanOrEqual(LOCKS / 2);
    expect(store.batches.length).toBeLessThanOrEqual(renewals / 10);

    for (const lock of locks as Lock[]) {
      expect(lock.held).toBe(true);
      await lock.release();
    }
  });

  it('a renewal that finds the lock taken over reports it lost, long before the local deadline', async () => {
    const holderEngine = engines.create();
    const operator = engines.create();
    // A 30 s local deadline renewed every 100 ms: only a renewal's "not held" can end it soon.
    const lock = await holderEngine.acquire('renew:takeover', {
      ttl: 30_000,
      autoExtend: { interval: 100 },
    });
    const lost = nextEvent<LockLostEvent>(holderEngine, 'lost');

    await expect(operator.forceRelease('renew:takeover')).resolves.toBe(true);
    const usurper = await operator.acquire('renew:takeover', { ttl: 30_000 });
    const event = await lost;
    const lostAt = Date.now();

    expect(lostAt).toBeLessThan(lock.expiresAt);
    expect(event.error).toBeInstanceOf(LockLostError);
    expect(event.error.message).toMatch(/no longer held/);
    expect(lock.signal.reason).toBe(event.error);
    // The stale holder neither renewed nor deleted the usurper's lock.
    expect(await redis.raw.hget('lw:{renew:takeover}', 'o')).toBe(usurper.token);
    await expect(lock.release()).resolves.toBe(false);
    await expect(usurper.release()).resolves.toBe(true);
  });

  it('lock.extend(ttl) sets the new ttl in Redis; extending a released lock throws LockNotHeldError', async () => {
    const engine = engines.create();
    const lock = await engine.acquire('renew:extend', { ttl: 1_000, autoExtend: false });
    const before = await redis.raw.pttl('lw:{renew:extend}');
    expect(before).toBeLessThanOrEqual(1_000);
    const expiresBefore = lock.expiresAt;

    await lock.extend(5_000);
    const after = await redis.raw.pttl('lw:{renew:extend}');
    expect(after).toBeGreaterThan(1_000);
    expect(after).toBeLessThanOrEqual(5_000);
    expect(lock.expiresAt).toBeGreaterThan(expiresBefore);

    await expect(lock.release()).resolves.toBe(true);
    const error = await lock.extend(5_000).then(
      () => new Error('extend resolved'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LockNotHeldError);
    expect((error as LockNotHeldError).code).toBe('LOCK_NOT_HELD');
    expect(await redis.raw.exists('lw:{renew:extend}')).toBe(0);
  });
});

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
