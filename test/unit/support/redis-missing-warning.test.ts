import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
// A suite that needs Redis (describeWithRedis) and runs fast when it is skipped.
const REDIS_SUITE = 'test/integration/examples/quick-start.test.ts';

interface JestRun {
  code: number | null;
  output: string;
}

/**
 * Runs the repository's Jest on one Redis suite in a child process whose PATH holds only `node`
 * (node's own folder may hold redis-server too, as /usr/bin does), without REDIS_URL.
 */
function jestWithoutRedis(ci: boolean): Promise<JestRun> {
  const bin = mkdtempSync(join(tmpdir(), 'lockwarden-no-redis-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
  delete env['REDIS_URL'];
  delete env['CI'];
  if (ci) env['CI'] = 'true';
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'node_modules/jest/bin/jest.js'), '--runInBand', REDIS_SUITE],
      { cwd: root, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        rmSync(bin, { recursive: true, force: true });
        resolve({ code: error ? (error.code as number | null) : 0, output: stdout + stderr });
      },
    );
  });
}

// A child Jest takes about a second alone, much longer on a loaded machine.
jest.setTimeout(150_000);

/** Runs Jest without Redis; its exit code must be `code`, and its output say how to get Redis. */
async function outputWithoutRedis(ci: boolean, code: number): Promise<string> {
  const run = await jestWithoutRedis(ci);
  expect(run.code).toBe(code);
  expect(run.output).toContain('apt-get install -y redis-server');
  return run.output;
}

describe('a run without redis-server', () => {
  it('says loudly, once, which suites were skipped and how to get Redis', async () => {
    const output = await outputWithoutRedis(false, 0);
    expect(output).toContain(
      '!!! 1 suites (1 tests) were SKIPPED: redis-server was not found on PATH.',
    );
    expect(output).toContain(
      `!!!   - README quick start (examples/quick-start.ts) (${REDIS_SUITE})`,
    );
    // Once per run (not per suite or test), beside Jest's summary.
    expect(output.split('were SKIPPED').length).toBe(2);
  });

  it('fails under CI=true, naming the suite and what to install', async () => {
    const output = await outputWithoutRedis(true, 1);
    expect(output).toContain(
      'redis-server was not found on PATH and REDIS_URL is not set, so "README quick start (examples/quick-start.ts)" cannot run.',
    );
    expect(output).toMatch(/Tests:\s+1 failed, 1 total/);
  });
});
