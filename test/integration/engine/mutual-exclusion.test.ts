import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { sectionsFromLog } from '../../support/workers/section-log';
import { forkWorker, type WorkerProcess } from '../../support/workers/worker-process';

const WORKERS = 4;
const SECTIONS_PER_WORKER = 60;

describeWithRedis('mutual exclusion across forked processes (real redis-server)', () => {
  const redis = useRedisServer();

  it(`${WORKERS} processes × ${SECTIONS_PER_WORKER} non-atomic increments: exact count, no overlap, increasing fences`, async () => {
    const counterKey = 'mx:counter';
    const eventsKey = 'mx:events';
    await redis.raw.del(counterKey, eventsKey);

    const workers: WorkerProcess[] = Array.from({ length: WORKERS }, (_, i) =>
      forkWorker('engine-mutex.ts', [
        redis.url,
        `w${i}`,
        String(SECTIONS_PER_WORKER),
        'counter',
        counterKey,
        eventsKey,
      ]),
    );
    // Start together, so the sections really contend instead of running one process after another.
    await Promise.all(workers.map((w) => w.next('ready', 20_000)));
    for (const w of workers) w.send({ type: 'go' });
    const done = await Promise.all(workers.map((w) => w.next('done', 40_000)));
    expect(done.map((m) => m['sections'])).toEqual(Array(WORKERS).fill(SECTIONS_PER_WORKER));

    const total = WORKERS * SECTIONS_PER_WORKER;
    expect(await redis.raw.get(counterKey)).toBe(String(total));

    const sections = sectionsFromLog(await redis.raw.lrange(eventsKey, 0, -1));
    expect(sections).toHaveLength(total);
    for (let i = 0; i < WORKERS; i++) {
      expect(sections.filter((s) => s.worker === `w${i}`)).toHaveLength(SECTIONS_PER_WORKER);
    }
    // The log is in Redis execution order, i.e. acquisition order.
    for (let i = 1; i < sections.length; i++) {
      expect(sections[i]!.fence).toBeGreaterThan(sections[i - 1]!.fence);
    }
    // Several processes took turns (the lock was contended, not held by one after another).
    const handOffs = sections.filter((s, i) => i > 0 && s.worker !== sections[i - 1]!.worker);
    expect(handOffs.length).toBeGreaterThanOrEqual(WORKERS - 1);
    expect(await redis.raw.exists('lw:{counter}')).toBe(0);
  }, 60_000);
});
