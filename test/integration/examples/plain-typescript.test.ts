import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { runExample } from '../../support/run-example';

describeWithRedis('examples/plain-typescript.ts on Redis (REDIS_URL)', () => {
  const redis = useRedisServer();

  it('runs as written and leaves no lock behind', async () => {
    const stdout = await runExample('plain-typescript.ts', {
      ...process.env,
      REDIS_URL: redis.url,
    });
    expect(stdout).toBe(
      'balance after 10 concurrent credits of 10: 100\n' +
        'send twice at once: true then undefined (sent 1x)\n' +
        'audit ran under the lock "Accounts.audit"\n',
    );
    // Only the short-lived fence memos remain, one per key used.
    const keys = await redis.raw.keys('*');
    expect(keys.sort()).toEqual([
      'lw:{Accounts.audit}:fence',
      'lw:{account:acc-1}:fence',
      'lw:{invoice:INV-7}:fence',
    ]);
  });
});
