import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { runExample } from '../../support/run-example';

// examples/quick-start.ts has a test of its own (its output holds fences, checked by pattern).
describeWithRedis('examples on Redis (REDIS_URL): as written, then they exit by themselves', () => {
  // Each example's keys are checked alone.
  const redis = useRedisServer({ flushAfterEach: true });

  it.each<{
    example: string;
    does: string;
    output: string;
    keysLeft: string[];
    /** A cron job's line, and what its keys hold: printed (and kept) only if it ticked. */
    cron?: { line: string; keysWith: string };
  }>([
    {
      example: 'nestjs-quick-start.ts',
      does: 'README NestJS quick start: starts, takes the lock through @Locked, shuts down',
      output: 'charged INV-7 holding invoice:INV-7\n',
      keysLeft: ['lw:{invoice:INV-7}:fence'],
      // Its every-minute job also runs when the run spans the start of a minute.
      cron: { line: 'sweeping on this replica only\n', keysWith: 'billing.sweep' },
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
    async ({ example, output, keysLeft, cron }) => {
      const printed = await runExample(example, { ...process.env, REDIS_URL: redis.url });
      const ticked = cron !== undefined && printed.includes(cron.line);
      expect(ticked ? printed.replace(cron.line, '') : printed).toBe(output);
      // Only the short-lived fence memos remain, one per key used (and the job's, if it ran).
      const keys = (await redis.raw.keys('*')).sort();
      expect(keys.filter((key) => !ticked || !key.includes(cron.keysWith))).toEqual(keysLeft);
    },
    120_000, // a child process compiling TypeScript: slow on a loaded machine
  );
});
