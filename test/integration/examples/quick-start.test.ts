import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { runExample } from '../../support/run-example';

describeWithRedis('README quick start (examples/quick-start.ts)', () => {
  const redis = useRedisServer();

  it('runs as written against a real redis-server', async () => {
    const stdout = await runExample('quick-start.ts', { ...process.env, REDIS_URL: redis.url });
    expect(stdout).toMatch(
      /^holding orders:42 with fence \d{16}\ndone: 42, still locked: false\n$/,
    );
    // The lock is gone; only the short-lived fence memo remains.
    expect(await redis.raw.keys('*')).toEqual(['lw:{orders:42}:fence']);
  });
});
