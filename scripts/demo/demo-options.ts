import { LockConfigError } from 'lockwarden';

/** What `npm run demo` reads from the environment. */
export interface DemoOptions {
  /**
   * `REDIS_URL`: use this Redis instead of starting one.
   * @default undefined (a throwaway redis-server from PATH, else the single-process variant)
   */
  redisUrl: string | undefined;
  /**
   * `DEMO_SECONDS`: how long the replicas run together (the kill is halfway), 6 to 600.
   * @default 16
   */
  seconds: number;
  /**
   * `DEMO_REPORT_FILE`: also write the summary there as JSON (tests read it).
   * @default undefined (no file)
   */
  reportFile: string | undefined;
}

/** Shortest run that still has ticks before and after the kill. */
const MIN_SECONDS = 6;
const MAX_SECONDS = 600;

/** Read and check the environment; a bad value is a `LockConfigError` naming the variable. */
export function demoOptions(env: NodeJS.ProcessEnv = process.env): DemoOptions {
  const redisUrl = env['REDIS_URL']?.trim() || undefined;
  if (redisUrl !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(redisUrl).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      throw new LockConfigError(
        `REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6380, got ${JSON.stringify(redisUrl)}. Fix it, or unset it to let the demo start its own redis-server.`,
      );
    }
  }
  const rawSeconds = env['DEMO_SECONDS'];
  const seconds = rawSeconds === undefined || rawSeconds === '' ? 16 : Number(rawSeconds);
  if (!Number.isInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new LockConfigError(
      `DEMO_SECONDS must be a whole number of seconds from ${MIN_SECONDS} to ${MAX_SECONDS} (default 16), got ${JSON.stringify(rawSeconds)}.`,
    );
  }
  return { redisUrl, seconds, reportFile: env['DEMO_REPORT_FILE'] || undefined };
}
