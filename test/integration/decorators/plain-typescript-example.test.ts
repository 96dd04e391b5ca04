import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeWithRedis, startRedis, type RedisServer } from '../../support/redis-server';

const run = promisify(execFile);
const root = join(__dirname, '../../..');

describeWithRedis('examples/plain-typescript.ts on Redis (REDIS_URL)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server.stop());

  it('runs as written and leaves no lock behind', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-r', '@swc-node/register', 'examples/plain-typescript.ts'],
      { cwd: root, env: { ...process.env, REDIS_URL: server.url }, timeout: 60_000 },
    );
    expect(stdout).toBe(
      'balance after 10 concurrent credits of 10: 100\n' +
        'send twice at once: true then undefined (sent 1x)\n' +
        'audit ran under the lock "Accounts.audit"\n',
    );
    // Only the short-lived fence memos remain, one per key used.
    const keys = await server.client().keys('*');
    expect(keys.sort()).toEqual([
      'lw:{Accounts.audit}:fence',
      'lw:{account:acc-1}:fence',
      'lw:{invoice:INV-7}:fence',
    ]);
  });
});
