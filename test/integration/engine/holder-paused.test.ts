import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';
import { forkWorker } from '../../support/workers/worker-process';

describeWithRedis('a holder paused past its ttl (real redis-server, forked holder)', () => {
  const redis = useRedisServer();
  const engines = useEngines(redis);

  it('loses the lock to a higher fence, learns it on SIGCONT, and cannot release the new holder', async () => {
    const key = 'paused:job';
    const lockKey = `lw:{${key}}`;

    const holder = forkWorker('engine-holder.ts', [redis.url, key, '600']);
    const locked = await holder.next('locked', 20_000);
    const pausedFence = locked['fence'] as number;

    // A stalled process (GC pause, VM freeze) cannot renew: its key expires in Redis.
    holder.signal('SIGSTOP');
    const engine = engines.create();
    const lock = await engine.acquire(key, { ttl: 5_000, waitTimeout: 10_000 });
    expect(lock.fence).toBeGreaterThan(pausedFence);
    expect(holder.messages.map((m) => m.type)).not.toContain('aborted');

    holder.signal('SIGCONT');
    const aborted = await holder.next('aborted');
    expect(aborted).toMatchObject({
      aborted: true,
      isLockLostError: true,
      reasonName: 'LockLostError',
      reasonCode: 'LOCK_LOST',
      held: false,
    });
    expect(await holder.next('lost-event')).toMatchObject({
      errorName: 'LockLostError',
      code: 'LOCK_LOST',
    });

    holder.send({ type: 'release' });
    expect(await holder.next('released')).toMatchObject({ released: false, held: false });

    // The stale holder's release left the new holder's lock untouched.
    expect(await redis.raw.hget(lockKey, 'o')).toBe(lock.token);
    expect(await redis.raw.hget(lockKey, 'f')).toBe(String(lock.fence));
    expect(await redis.raw.pttl(lockKey)).toBeGreaterThan(0);
    expect(lock.held).toBe(true);
    expect(lock.signal.aborted).toBe(false);

    await expect(lock.release()).resolves.toBe(true);
    await holder.next('finished');
  });
});
