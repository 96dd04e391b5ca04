import { INSTALL_HINT } from './redis-process';
import { hasRedisServer } from './redis-server';

/**
 * Appended to the name of a suite skipped for want of Redis; `skipped-suites-reporter.js` looks
 * for it to list those suites at the end of the run, beside Jest's summary, where nobody can
 * miss them (Jest prints no console output of a file whose tests were all skipped).
 */
const SKIPPED_WITHOUT_REDIS = '[skipped: no redis-server]';

/**
 * `describe` for suites that need a real Redis: the `redis-server` binary, or REDIS_URL. Without
 * either the suite is skipped and listed at the end of the run; under CI=true it fails instead.
 */
export function describeWithRedis(name: string, fn: () => void): void {
  describeNeedingRedis(name, fn, Boolean(process.env['REDIS_URL']), 'and REDIS_URL is not set');
}

/**
 * `describe` for suites that start, stop or pause servers themselves (several servers, a killed
 * server, a cluster, sentinels): only the `redis-server` binary will do, REDIS_URL cannot.
 */
export function describeWithLocalRedis(name: string, fn: () => void): void {
  describeNeedingRedis(name, fn, false, '(REDIS_URL cannot stand in: the suite controls servers)');
}

function describeNeedingRedis(name: string, fn: () => void, urlWillDo: boolean, why: string): void {
  if (hasRedisServer() || urlWillDo) {
    describe(name, fn);
    return;
  }
  if (process.env['CI'] === 'true') {
    describe(name, () => {
      it('needs redis-server', () => {
        throw new Error(
          `redis-server was not found on PATH ${why}, so "${name}" cannot run. ${INSTALL_HINT}`,
        );
      });
    });
    return;
  }
  describe.skip(`${name} ${SKIPPED_WITHOUT_REDIS}`, fn);
}
