import { LockConfigError } from '../../../src';
import { demoOptions } from '../../../scripts/demo/demo-options';

describe('npm run demo: environment', () => {
  it('defaults: its own Redis, 16 s, no report file', () => {
    expect(demoOptions({})).toEqual({ redisUrl: undefined, seconds: 16, reportFile: undefined });
    expect(demoOptions({ REDIS_URL: ' ', DEMO_SECONDS: '' }).redisUrl).toBeUndefined();
  });

  it('takes REDIS_URL, DEMO_SECONDS and DEMO_REPORT_FILE', () => {
    expect(
      demoOptions({
        REDIS_URL: 'rediss://cache:6380/2',
        DEMO_SECONDS: '8',
        DEMO_REPORT_FILE: '/tmp/r.json',
      }),
    ).toEqual({ redisUrl: 'rediss://cache:6380/2', seconds: 8, reportFile: '/tmp/r.json' });
  });

  it.each([
    [
      { REDIS_URL: 'localhost:6379' },
      'REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6380, got "localhost:6379". Fix it, or unset it to let the demo start its own redis-server.',
    ],
    [
      { DEMO_SECONDS: '2' },
      'DEMO_SECONDS must be a whole number of seconds from 6 to 600 (default 16), got "2".',
    ],
    [
      { DEMO_SECONDS: '7.5' },
      'DEMO_SECONDS must be a whole number of seconds from 6 to 600 (default 16), got "7.5".',
    ],
  ])('refuses %j with a LockConfigError naming the variable', (env, message) => {
    expect(() => demoOptions(env)).toThrow(new LockConfigError(message));
    expect(() => demoOptions(env)).toThrow(LockConfigError);
  });
});
