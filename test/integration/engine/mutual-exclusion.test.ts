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
});
