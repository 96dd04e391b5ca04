import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { runExample } from '../../support/run-example';

describeWithRedis('README quick start (examples/quick-start.ts)', () => {
  const redis = useRedisServer();

  it('runs as written against a real redis-server and exits by itself', async () => {
    const stdout = await runExample('quick-start.ts', { ...process.env, REDIS_URL: redis.url });
    const match =
      /^shipped 42 holding orders:42 with fence (\d{16})\nwithLock ran with fence (\d{16}); locked now: false\n$/.exec(
        stdout,
      );
    expect(match).not.toBeNull();
    // The same key twice: the second holder's fence is larger.
    expect(Number(match?.[2])).toBeGreaterThan(Number(match?.[1]));
    // The lock is gone; only the short-lived fence memo remains.
    expect(await redis.raw.keys('*')).toEqual(['lw:{orders:42}:fence']);
  }, 120_000); // a child process compiling TypeScript: slow on a loaded machine
});
