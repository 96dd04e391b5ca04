import type { LockEngine } from '../../../src';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';
import { waitUntil } from '../../support/wait-until';

/** An hour of server clock, in fence units (µs). */
const HOUR_US = 3_600 * 1_000_000;

describeWithRedis('fencing tokens (real redis-server)', () => {
  const redis = useRedisServer();
  const engines = useEngines(redis);

  function newEngine(db = 0, fenceGrace?: number): LockEngine {
    const storeOptions = fenceGrace === undefined ? {} : { fenceGrace };
    return engines.create({ client: { db }, storeOptions });
  }

  async function expired(key: string): Promise<void> {
    await waitUntil(
      `lw:{${key}} to expire`,
      async () => (await redis.raw.exists(`lw:{${key}}`)) === 0,
    );
  }

  it('strictly increase across release, expiry and forceRelease, whichever engine takes the lock', async () => {
    const key = 'fence:cycle';
    const [a, b] = [newEngine(), newEngine()];
    const fences: number[] = [];

    const first = await a.acquire(key, { ttl: 5_000 });
    fences.push(first.fence);
    await first.release();

    const second = await b.acquire(key, { ttl: 100, autoExtend: false });
    fences.push(second.fence);
    await expired(key);

    const third = await a.acquire(key, { ttl: 5_000 });
    fences.push(third.fence);
    await expect(b.forceRelease(key)).resolves.toBe(true);

    const fourth = await b.acquire(key, { ttl: 5_000 });
    fences.push(fourth.fence);
    await fourth.release();

    for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1]!);
    fences.forEach((fence) => expect(Number.isSafeInteger(fence)).toBe(true));
    // The last issued fence outlives the lock, so the next holder can be fenced past it.
    expect(await redis.raw.exists(`lw:{${key}}`)).toBe(0);
    expect(await redis.raw.get(`lw:{${key}}:fence`)).toBe(String(fourth.fence));
    expect(await redis.raw.pttl(`lw:{${key}}:fence`)).toBeGreaterThan(0);
  });

  it('stay increasing when the server clock is behind the last fence (after release, expiry, forceRelease)', async () => {
    // Fences come from the server clock; a failover to a replica whose clock lags looks to the
    // store like a last fence in the future. Simulate it by moving the remembered fence ahead.
    const engine = newEngine();
    const key = 'fence:clock';
    const fenceKey = `lw:{${key}}:fence`;
    const endings: Array<[string, (lock: { release(): Promise<boolean> }) => Promise<unknown>]> = [
      ['release', (lock) => lock.release()],
      ['expiry', () => expired(key)],
      ['forceRelease', () => engine.forceRelease(key)],
    ];
    let previous = 0;
    for (const [ending, end] of endings) {
      const lock = await engine.acquire(key, { ttl: 150, autoExtend: false });
      expect([ending, lock.fence > previous]).toEqual([ending, true]);
      const ahead = lock.fence + HOUR_US;
      expect(await redis.raw.set(fenceKey, String(ahead), 'KEEPTTL')).toBe('OK');
      await end(lock);

      const next = await engine.acquire(key, { ttl: 150, autoExtend: false });
      // Bumped past the remembered value rather than taken from the (earlier) clock.
      expect([ending, next.fence]).toEqual([ending, ahead + 1]);
      previous = next.fence;
      await next.release();
    }
  });

  it('leave no key behind: many per-entity locks disappear completely after the grace', async () => {
    const DB = 1;
    const ENTITIES = 120;
    // Long enough that the fence read right after the last lock ended cannot have expired yet
    // even when a loaded machine stalls this process between two commands.
    const grace = 2_000;
    const db = redis.client({ db: DB });
    expect(await db.dbsize()).toBe(0);
    const engine = newEngine(DB, grace);

    // Every way a lock can end: released, expired, force-released.
    for (let i = 0; i < ENTITIES; i++) {
      const key = `invoice:${i}`;
      const lock = await engine.acquire(key, { ttl: 300, autoExtend: i % 3 !== 1 });
      if (i % 3 === 0) await lock.release();
      if (i % 3 === 2) await engine.forceRelease(key);
    }
    // Right after, the last ended lock's remembered fence is still there (that is what keeps
    // fences increasing), and it expires on its own. (The first entity's may be gone already:
    // taking 120 locks on a loaded machine can outlast its 300 ms lease and the grace.)
    const fenceTtl = await db.pttl(`lw:{invoice:${ENTITIES - 1}}:fence`);
    expect(await db.dbsize()).toBeGreaterThan(0);
    expect(fenceTtl).toBeGreaterThan(0);
    expect(fenceTtl).toBeLessThanOrEqual(300 + grace);

    await waitUntil(
      'every lock and fence key to expire',
      async () => (await db.dbsize()) === 0,
      20_000,
      50,
    );
    expect(await db.keys('*')).toEqual([]);
  });
});
