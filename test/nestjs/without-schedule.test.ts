import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Run the small app in a child process; `missing` packages cannot be resolved there. */
async function runApp(missing: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      '-r',
      './test/support/nest/without-packages.ts',
      'test/support/nest/app-without-schedule.ts',
    ],
    {
      cwd: join(__dirname, '../..'),
      env: { ...process.env, LOCKWARDEN_MISSING: missing.join(',') },
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('lockwarden/nestjs without @nestjs/schedule and cron installed', () => {
  it('runs LockModule, LockService and @Locked; @SingleInstanceCron says what to install', async () => {
    expect(await runApp(['@nestjs/schedule', 'cron'])).toEqual({
      locked: 'invoice:7',
      service: 'ran',
      cron: 'LockConfigError: @SingleInstanceCron on Jobs.tick: @SingleInstanceCron needs the "@nestjs/schedule" package, which could not be loaded (npm install @nestjs/schedule; LockModule, LockService and @Locked work without it).',
      scheduleLoaded: false,
      cronLoaded: false,
    });
  }, 60_000);

  it('loads them only when a @SingleInstanceCron is defined (the same app, with them installed)', async () => {
    expect(await runApp([])).toMatchObject({
      locked: 'invoice:7',
      service: 'ran',
      cron: 'defined Jobs',
      scheduleLoaded: true,
      cronLoaded: true,
    });
  }, 60_000);
});
