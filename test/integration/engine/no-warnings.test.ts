import { forkWorker } from '../../support/workers/worker-process';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { startRedis, type RedisServer } from '../../support/redis/redis-server';

describeWithRedis('long durations and a shared abort signal, in a plain process', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('emits no TimeoutOverflowWarning or MaxListenersExceededWarning, and does not spin', async () => {
    const worker = forkWorker('warning-probe.ts', [server.url]);
    const report = await worker.next('report', 30_000);
    expect(report['warnings']).toEqual([]);
    // 300 waiters on one signal (and their attempts) share one abort listener, gone afterwards.
    expect(report['abortListeners']).toBe(1);
    expect(report['listenersAfter']).toBe(0);
    expect(report['waiters']).toBe(300);
    expect(report['attemptsToSettle']).toBe(451);
    expect(report['outcomes']).toEqual(['aborted']);
    // Backoffs of days: after the first attempts nobody tries again within a second. A timer
    // that overflowed would fire every millisecond (hundreds of attempts).
    expect(report['attemptsWhileWaiting']).toBe(0);
    expect(report['renewedHeld']).toBe(true);
  });
});
