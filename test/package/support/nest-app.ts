import type Redis from 'ioredis';
import type { ConsumerProject } from './consumer-project';

/** Packages Nest loads lazily if installed; every bundle of a Nest app marks them external. */
export const NEST_LAZY_PACKAGES = [
  '@nestjs/microservices',
  '@nestjs/websockets',
  '@nestjs/platform-express',
  'class-transformer',
  'class-validator',
];

/** Checks what the nest-app fixture printed, and the tick claim it left in Redis. */
export async function expectNestAppRan(stdout: string, redis: Redis): Promise<void> {
  expect(JSON.parse(stdout)).toEqual({
    locked: 'order:42',
    heldInside: true,
    tickFence: expect.any(Number) as number,
  });
  const ticks = await redis.keys('consumer:{consumer.tick:tick:*}');
  expect(ticks.length).toBeGreaterThanOrEqual(1);
  // Claims are named after the scheduled second, as this install's `cron` computed it.
  for (const tick of ticks) expect(Number(/:tick:(\d+)\}$/.exec(tick)?.[1]) % 1000).toBe(0);
}

/**
 * lockwarden names ticks with the `cron` package that @nestjs/schedule fires them with: one copy
 * in the install, so both compute the same schedule. A `cron` peer range that leaves out the
 * version @nestjs/schedule pins makes npm install a second copy for lockwarden.
 */
export async function expectOneCron(project: ConsumerProject): Promise<void> {
  const script = `const { join } = require('node:path');
const from = (dir) => require.resolve('cron', { paths: [join(process.cwd(), 'node_modules', dir)] });
console.log(JSON.stringify([from('lockwarden'), from('@nestjs/schedule')]));`;
  const [ours, schedule] = JSON.parse(
    await project.run(process.execPath, ['-e', script]),
  ) as string[];
  expect(ours).toBe(schedule);
}
