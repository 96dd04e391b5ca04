import { setTimeout as sleep } from 'node:timers/promises';
import { nextEvent } from '../../support/next-event';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';
import { waitUntil } from '../../support/wait-until';
import { forkWorker } from '../../support/workers/worker-process';

interface Sample {
  /** Server clock (µs), the same clock fences are made of. */
  serverUs: number;
  owner: string | null;
  pttl: number;
}

describeWithRedis('a SIGKILLed holder (real redis-server, forked holder)', () => {
  const redis = useRedisServer();
  const engines = useEngines(redis);

  async function sample(lockKey: string): Promise<Sample> {
    const replies = await redis.raw.multi().time().hget(lockKey, 'o').pttl(lockKey).exec();
    const [time, owner, pttl] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [[string, string], string | null, number];
    return { serverUs: Number(time[0]) * 1_000_000 + Number(time[1]), owner, pttl };
  }

  it('the waiter gets the lock only after the dead holder key expired, with a higher fence', async () => {
    const key = 'killed:job';
    const lockKey = `lw:{${key}}`;
    const holderTtl = 1_000;
    // A backoff this long cannot be what wakes the waiter: only the holder's remaining ttl can.
    const retryDelay = 10_000;

    const holder = forkWorker('engine-holder.ts', [redis.url, key, String(holderTtl)]);
    const locked = await holder.next('locked', 20_000);
    const holderFence = locked['fence'] as number;
    const holderToken = locked['token'] as string;

    const engine = engines.create();
    const contendedAt: number[] = [];
    engine.on('contended', () => contendedAt.push(Date.now()));
    let acquiredAt: number | undefined;
    engine.on('acquired', () => (acquiredAt = Date.now()));
    const firstContended = nextEvent(engine, 'contended');
    const waiting = engine.acquire(key, { ttl: 5_000, waitTimeout: 20_000, retryDelay });
    let settled = false;
    void waiting.then(
      () => (settled = true),
      () => (settled = true),
    );
    await firstContended;

    // While the holder lives it keeps the lock past its ttl (auto-extension), so the waiter waits.
    await sleep(holderTtl + 200);
    expect(acquiredAt).toBeUndefined();
    expect(await redis.raw.hget(lockKey, 'o')).toBe(holderToken);

    holder.signal('SIGKILL');
    await holder.exited;
    // Dying releases nothing: the dead holder's lock is still there after the process is gone.
    const afterDeath = await sample(lockKey);
    expect(afterDeath.owner).toBe(holderToken);
    expect(afterDeath.pttl).toBeGreaterThan(0);
    expect(acquiredAt).toBeUndefined();

    // Follow the key until the waiter has it; keep the last sample that still showed the holder.
    let lastHolderSample = afterDeath;
    await waitUntil(
      'the waiter to take the lock',
      async () => {
        const now = await sample(lockKey);
        if (now.owner === holderToken) lastHolderSample = now;
        return settled;
      },
      10_000,
      5,
    );
    const lock = await waiting;

    expect(lock.fence).toBeGreaterThan(holderFence);
    expect(await redis.raw.hget(lockKey, 'o')).toBe(lock.token);
    // Fences are the server clock in µs: the waiter's acquisition happened after the last moment
    // the dead holder's key was seen, and not before that key's expiry (PTTL is whole ms).
    const holderExpiryUs = lastHolderSample.serverUs + lastHolderSample.pttl * 1_000;
    expect(lock.fence).toBeGreaterThan(lastHolderSample.serverUs);
    expect(lock.fence).toBeGreaterThanOrEqual(holderExpiryUs - 2_000);
    // And it came before the backoff alone could have retried (at least retryDelay / 2 after the
    // last failed attempt): the waiter slept exactly the holder's remaining ttl.
    const lastFailedAttempt = contendedAt[contendedAt.length - 1]!;
    expect(acquiredAt).toBeDefined();
    expect(acquiredAt!).toBeLessThan(lastFailedAttempt + retryDelay / 2);

    await expect(lock.release()).resolves.toBe(true);
  });
});
