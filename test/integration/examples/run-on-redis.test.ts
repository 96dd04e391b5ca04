import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { runExample } from '../../support/run-example';

// examples/quick-start.ts has a test of its own (its output holds fences, checked by pattern).
describeWithRedis('examples on Redis (REDIS_URL): as written, then they exit by themselves', () => {
  // Each example's keys are checked alone.
  const redis = useRedisServer({ flushAfterEach: true });

  it.each([
    {
      example: 'nestjs-quick-start.ts',
      does: 'README NestJS quick start: starts, takes the lock through @Locked, shuts down',
      output: 'charged INV-7 holding invoice:INV-7\n',
      keysLeft: ['lw:{invoice:INV-7}:fence'],
    },
    {
      example: 'plain-typescript.ts',
      does: 'plain TypeScript: runs as written and leaves no lock behind',
      output:
        'balance after 10 concurrent credits of 10: 100\n' +
        'send twice at once: true then undefined (sent 1x)\n' +
        'audit ran under the lock "Accounts.audit"\n',
      keysLeft: [
        'lw:{Accounts.audit}:fence',
        'lw:{account:acc-1}:fence',
        'lw:{invoice:INV-7}:fence',
      ],
    },
  ])(
    '$example ($does)',
    async ({ example, output, keysLeft }) => {
      expect(await runExample(example, { ...process.env, REDIS_URL: redis.url })).toBe(output);
      // Only the short-lived fence memos remain, one per key used.
      expect((await redis.raw.keys('*')).sort()).toEqual(keysLeft);
    },
    120_000, // a child process compiling TypeScript: slow on a loaded machine
  );
});
