import { expectMultiKeyLoops } from '../../support/multi-key-loops';
import { expectMutualExclusion } from '../../support/mutual-exclusion';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';

describeWithRedis('mutual exclusion across forked processes (real redis-server)', () => {
  const redis = useRedisServer();

  it('4 processes × 60 non-atomic increments: exact count, no overlap, increasing fences', async () => {
    await expectMutualExclusion({
      topology: { kind: 'server', url: redis.url },
      data: redis.raw,
      key: 'counter',
      lockKeyLeft: async () => (await redis.raw.exists('lw:{counter}')) === 1,
    });
  }, 60_000);

  it("multi-key: ['p','q'] and ['q','p'] in a loop (engine and @Locked, with ['p'] and ['q'] lockers): no deadlock, exact counts", async () => {
    await expectMultiKeyLoops({
      topology: { kind: 'server', url: redis.url },
      data: redis.raw,
      loops: [
        { keys: ['p', 'q'], mode: 'engine' },
        { keys: ['q', 'p'], mode: 'engine' },
        { keys: ['q', 'p', 'q'], mode: 'decorator' },
        { keys: ['p'], mode: 'engine' },
        { keys: ['q'], mode: 'engine' },
      ],
      sections: 40,
      counterPrefix: 'mkp:count',
      // Five processes start (compile, connect) at once; on a loaded machine that takes a while.
      readyTimeout: 60_000,
    });
    expect(await redis.raw.exists('lw:{p}', 'lw:{q}')).toBe(0);
  }, 150_000);
});
