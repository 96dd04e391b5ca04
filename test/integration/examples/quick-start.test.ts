import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeWithRedis, startRedis, type RedisServer } from '../../support/redis-server';

const run = promisify(execFile);
const root = join(__dirname, '../../..');

describeWithRedis('README quick start (examples/quick-start.ts)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server.stop());

  it('runs as written against a real redis-server', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-r', '@swc-node/register', 'examples/quick-start.ts'],
      { cwd: root, env: { ...process.env, REDIS_URL: server.url }, timeout: 60_000 },
    );
    expect(stdout).toMatch(
      /^holding orders:42 with fence \d{16}\ndone: 42, still locked: false\n$/,
    );
    const redis = server.client();
    // The lock is gone; only the short-lived fence memo remains.
    expect(await redis.keys('*')).toEqual(['lw:{orders:42}:fence']);
  });
});
