import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '../../..');

const EXAMPLE_OUTPUT =
  'balance after 10 concurrent credits of 10: 100\n' +
  'send twice at once: true then undefined (sent 1x)\n' +
  'audit ran under the lock "Accounts.audit"\n';

describe('examples/plain-typescript.ts (the README @Locked examples)', () => {
  it('runs as written on the in-memory store', async () => {
    const env = { ...process.env };
    delete env['REDIS_URL'];
    const { stdout } = await run(
      process.execPath,
      ['-r', '@swc-node/register', 'examples/plain-typescript.ts'],
      { cwd: root, env, timeout: 60_000 },
    );
    expect(stdout).toBe(EXAMPLE_OUTPUT);
  });
});
