import type Redis from 'ioredis';
import { LockEngine, RedisLockStore } from '../../../src';
import { BUSY_AT, CALLS_PER_FLUSH } from '../../../src/stores/clients/write-batch';
import { defer } from '../../support/cleanup';
import { IOREDIS } from '../../support/redis/client-kinds';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';

const CALLS = 40;

/** Counts the writes that leave the client's socket (one per `write` or `writev`). */
function countSocketWrites(client: Redis): { readonly count: number } {
  const stream = (client as unknown as { stream: Record<string, unknown> }).stream;
  const counter = { count: 0 };
  for (const name of ['_write', '_writev'] as const) {
    const original = stream[name] as ((...args: unknown[]) => unknown) | undefined;
    if (typeof original !== 'function') continue;
    stream[name] = function (this: unknown, ...args: unknown[]): unknown {
      counter.count += 1;
      return original.apply(this, args);
    };
    defer(() => {
      stream[name] = original;
    });
  }
  return counter;
}

describeWithLocalRedis('script calls made in one go over ioredis (real redis-server)', () => {
  const redis = useRedisServer({ flushAfterEach: true });

  async function connected(): Promise<{ client: Redis; store: RedisLockStore }> {
    const client = (await IOREDIS.connect({ cluster: false, port: redis.port })) as Redis;
    const store = new RedisLockStore(client);
    defer(() => store.close());
    // The scripts go over the socket once first, so the calls below are all EVALSHA.
    expect((await store.acquire('lw:{warm}', 'w', 60_000)).acquired).toBe(true);
    expect(await store.release('lw:{warm}', 'w')).toBe(true);
    return { client, store };
  }

  it('leave in fewer socket writes once the connection is busy, each reaching the right lock', async () => {
    const { client, store } = await connected();
    const writes = countSocketWrites(client);
    const keys = Array.from({ length: CALLS }, (_, i) => `lw:{k${i}}`);
    const results = await Promise.all(
      keys.map((key, i) => store.acquire(key, `owner-${i}`, 60_000)),
    );
    expect(results.every((r) => r.acquired)).toBe(true);
    // The first BUSY_AT calls go out one by one; the rest in writes of CALLS_PER_FLUSH (or
    // fewer writes, should the socket still be busy with an earlier one when a batch leaves).
    expect(writes.count).toBeLessThanOrEqual(
      BUSY_AT + Math.ceil((CALLS - BUSY_AT) / CALLS_PER_FLUSH),
    );
    for (const [i, key] of keys.entries()) {
      expect(await redis.raw.hget(key, 'o')).toBe(`owner-${i}`);
    }
    const released = await Promise.all(keys.map((key, i) => store.release(key, `owner-${i}`)));
    expect(released.every(Boolean)).toBe(true);
    expect(await redis.raw.exists(...keys)).toBe(0);
  });

  it('a lone call is written at once, as before', async () => {
    const { client, store } = await connected();
    const writes = countSocketWrites(client);
    const acquired = store.acquire('lw:{one}', 'o', 60_000);
    expect(writes.count).toBe(1);
    expect((await acquired).acquired).toBe(true);
  });

  describe('with fake timers (every timer, tick and queueMicrotask faked)', () => {
    afterEach(() => jest.useRealTimers());

    it('takes and releases many locks at once without the clock being advanced', async () => {
      const { client, store } = await connected();
      const engine = new LockEngine({ store });
      defer(() => engine.close());
      jest.useFakeTimers();
      const writes = countSocketWrites(client);
      const leases = await Promise.all(
        Array.from({ length: CALLS }, (_, i) => engine.acquire(`f${i}`, { ttl: 60_000 })),
      );
      await Promise.all(leases.map((lease) => lease.release()));
      // Batched (so the batch was sent without a timer), and nothing is left behind.
      expect(writes.count).toBeLessThan(2 * CALLS);
      jest.useRealTimers();
      const lockKeys = leases.map((_, i) => `lw:{f${i}}`);
      expect(await redis.raw.exists(...lockKeys)).toBe(0);
      // (Those are the keys the engine used: their fence keys outlive the locks.)
      expect(await redis.raw.exists(...lockKeys.map((key) => `${key}:fence`))).toBe(CALLS);
    });
  });
});
