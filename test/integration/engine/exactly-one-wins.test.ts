import { setTimeout as sleep } from 'node:timers/promises';
import type { LockEngine, Lock } from '../../../src';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';

const ENGINES = 5;
const CALLERS = 50;

describeWithRedis('exactly one of many concurrent callers wins (real redis-server)', () => {
  const redis = useRedisServer();
  const engines = useEngines(redis);
  let pool: LockEngine[] = [];

  beforeEach(async () => {
    // One client (one connection) per engine, so the attempts really race inside Redis.
    pool = Array.from({ length: ENGINES }, () => engines.create());
    await Promise.all(pool.map((engine) => engine.isLocked('warm-up')));
  });

  it('50 concurrent tryAcquire calls: exactly one Lock, 49 null, and Redis names the winner', async () => {
    const ttl = 10_000;
    let contended = 0;
    for (const engine of pool) engine.on('contended', () => (contended += 1));

    const results = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) => pool[i % ENGINES]!.tryAcquire('race:one', { ttl })),
    );

    const winners = results.filter((r): r is Lock => r !== null);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r === null)).toHaveLength(CALLERS - 1);
    expect(contended).toBe(CALLERS - 1);
    const winner = winners[0]!;

    const [owner, pttl] = await Promise.all([
      redis.raw.hget('lw:{race:one}', 'o'),
      redis.raw.pttl('lw:{race:one}'),
    ]);
    expect(owner).toBe(winner.token);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(ttl);
    expect((await pool[0]!.inspect('race:one'))?.fence).toBe(winner.fence);

    await expect(winner.release()).resolves.toBe(true);
    expect(await redis.raw.exists('lw:{race:one}')).toBe(0);
  });

  it('50 concurrent waiting withLock calls all run, one at a time, with increasing fences', async () => {
    const counterKey = 'race:counter';
    await redis.raw.set(counterKey, '0');
    let active = 0;
    let maxActive = 0;
    const fencesInRunOrder: number[] = [];

    const runs = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) =>
        pool[i % ENGINES]!.withLock(
          'race:section',
          async (lock) => {
            active += 1;
            maxActive = Math.max(maxActive, active);
            fencesInRunOrder.push(lock.fence);
            // Non-atomic read-modify-write: only the lock keeps increments from being lost.
            const value = Number(await redis.raw.get(counterKey));
            await sleep(1);
            await redis.raw.set(counterKey, String(value + 1));
            active -= 1;
            return i;
          },
          { ttl: 5_000, waitTimeout: 25_000 },
        ),
      ),
    );

    expect(runs).toEqual(Array.from({ length: CALLERS }, (_, i) => i));
    expect(maxActive).toBe(1);
    expect(await redis.raw.get(counterKey)).toBe(String(CALLERS));
    expect(fencesInRunOrder).toHaveLength(CALLERS);
    for (let i = 1; i < fencesInRunOrder.length; i++) {
      expect(fencesInRunOrder[i]).toBeGreaterThan(fencesInRunOrder[i - 1]!);
    }
    expect(await redis.raw.exists('lw:{race:section}')).toBe(0);
  });
});
