import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { runExample } from '../../support/run-example';

describeWithRedis('README NestJS quick start (examples/nestjs-quick-start.ts)', () => {
  const redis = useRedisServer();

  it('starts, takes the lock through @Locked, shuts down and exits by itself', async () => {
    const stdout = await runExample('nestjs-quick-start.ts', {
      ...process.env,
      REDIS_URL: redis.url,
    });
    expect(stdout).toBe('charged INV-7 holding invoice:INV-7\n');
    expect(await redis.raw.keys('*')).toEqual(['lw:{invoice:INV-7}:fence']);
  }, 120_000); // a child process compiling TypeScript: slow on a loaded machine
});
