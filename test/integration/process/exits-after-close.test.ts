import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';

const root = join(__dirname, '../../..');

/** Run a program of test/support/programs as a user would; its exit and output, once it ends. */
function runProgram(
  file: string,
  args: string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join('test/support/programs', file), ...args],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  // A program that never ends fails the test by Jest's timeout; this kill only tidies up then.
  const timer = setTimeout(() => child.kill('SIGKILL'), 55_000);
  timer.unref();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describeWithRedis(
  'a process ends once the user closed what they opened (real redis-server)',
  () => {
    const redis = useRedisServer();

    it('acquire, renew, a waiter woken by pub/sub, release, close: the child exits by itself with nothing left holding its event loop', async () => {
      const run = await runProgram('close-and-exit.ts', [redis.url, 'exit:after-close']);

      expect(run).toMatchObject({ code: 0, signal: null, stderr: '' });
      const report = JSON.parse(run.stdout) as {
        fence: [number, number];
        wokenAfterAttempts: number;
        left: string[];
      };
      expect(report.fence[1]).toBeGreaterThan(report.fence[0]);
      expect(report.wokenAfterAttempts).toBe(2);
      expect(report.left).toEqual([]);
      expect(await redis.raw.exists('lw:{exit:after-close}')).toBe(0);
    }, 60_000);
  },
);
