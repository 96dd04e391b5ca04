// @ts-check
/**
 * Jest reporter: at the end of the run, beside Jest's summary, lists the suites
 * `describeWithRedis` skipped because there is no redis-server (test/support/redis/
 * describe-with-redis.ts marks their names). Plain JavaScript because Jest loads reporters
 * without transforming them.
 */
const MARKER = '[skipped: no redis-server]';

class SkippedSuitesReporter {
  /** @param {import('@jest/reporters').AggregatedResult} results */
  onRunComplete(_contexts, results) {
    const skipped = new Map();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        const suite = test.ancestorTitles[0];
        if (test.status === 'pending' && suite?.endsWith(MARKER)) {
          skipped.set(suite.slice(0, -MARKER.length).trim(), file.testFilePath);
        }
      }
    }
    if (skipped.size === 0) return;
    const tests = results.testResults
      .flatMap((file) => file.testResults)
      .filter((test) => test.ancestorTitles[0]?.endsWith(MARKER)).length;
    const lines = [
      '',
      `!!! ${skipped.size} suites (${tests} tests) were SKIPPED: redis-server was not found on PATH.`,
      '!!! Install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis`,',
      '!!! or set REDIS_URL to a disposable server (suites that stop or pause Redis need the binary).',
      '!!! Under CI=true these suites fail instead of being skipped.',
      ...[...skipped].map(
        ([suite, file]) => `!!!   - ${suite} (${file.replace(`${process.cwd()}/`, '')})`,
      ),
      '',
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
  }
}

module.exports = SkippedSuitesReporter;
