import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { sectionsFromLog } from '../../support/workers/section-log';
import { forkWorker, type WorkerProcess } from '../../support/workers/worker-process';

describeWithRedis('@Locked across forked processes (real redis-server)', () => {
  const redis = useRedisServer();

  /** Fork one locked-worker per job, start them together, wait until all are done. */
  async function runWorkers(
    ns: string,
    mode: 'serial' | 'parallel',
    sections: number,
    jobs: Array<[job: string, storeKey: string]>,
  ): Promise<void> {
    const workers: WorkerProcess[] = jobs.map(([job, storeKey], i) =>
      forkWorker('locked-worker.ts', [
        redis.url,
        `w${i}`,
        job,
        mode,
        String(sections),
        ns,
        storeKey,
      ]),
    );
    await Promise.all(workers.map((w) => w.next('ready', 30_000)));
    for (const worker of workers) worker.send({ type: 'go' });
    await Promise.all(workers.map((w) => w.next('done', 60_000)));
  }

  it('serialises two processes calling the same method with the same key', async () => {
    const ns = 'serial';
    // The job contains separators: the lock lives under the escaped key.
    const storeKey = 'lw:{job:a%3Ab%2Fc}';
    await runWorkers(ns, 'serial', 3, [
      ['a:b/c', storeKey],
      ['a:b/c', storeKey],
    ]);

    // No two sections overlap (sectionsFromLog throws on the first overlap)...
    const sections = sectionsFromLog(await redis.raw.lrange(`${ns}:events`, 0, -1));
    expect(sections).toHaveLength(6);
    expect(sections.filter((s) => s.worker === 'w0')).toHaveLength(3);
    // ...although each section stayed inside until the other process had contended for the
    // lock (or was done), so the other was really kept waiting.
    for (let i = 1; i < sections.length; i += 1) {
      expect(sections[i]!.fence).toBeGreaterThan(sections[i - 1]!.fence);
    }
    expect(new Set(await redis.raw.lrange(`${ns}:inside-seen`, 0, -1))).toEqual(new Set(['1']));
    // The process that entered first cannot have been done, so it stayed until the other one
    // contended. (Whether the other one ever made the first wait depends on who wins each
    // hand-off: a process leaving its section may take the lock again before the other wakes.)
    const contended = await redis.raw.hgetall(`${ns}:contended`);
    const other = sections[0]!.worker === 'w0' ? 'w1' : 'w0';
    expect(Number(contended[other])).toBeGreaterThanOrEqual(1);
    expect(new Set(await redis.raw.lrange(`${ns}:stored`, 0, -1))).toEqual(new Set(['1']));
    expect(await redis.raw.exists(storeKey)).toBe(0);
  });

  it('runs two processes with different keys in parallel', async () => {
    const ns = 'parallel';
    await runWorkers(ns, 'parallel', 1, [
      ['x', 'lw:{job:x}'],
      ['y', 'lw:{job:y}'],
    ]);

    const events = await redis.raw.lrange(`${ns}:events`, 0, -1);
    // Both entered before either left: the critical sections overlapped.
    expect(events.slice(0, 2).every((e) => e.startsWith('enter'))).toBe(true);
    expect(events.slice(2).every((e) => e.startsWith('exit'))).toBe(true);
    expect((await redis.raw.lrange(`${ns}:inside-seen`, 0, -1)).sort()).toEqual(['1', '2']);
    expect(await redis.raw.get(`${ns}:inside`)).toBe('0');
    expect(await redis.raw.hgetall(`${ns}:contended`)).toEqual({});
    expect(await redis.raw.exists('lw:{job:x}', 'lw:{job:y}')).toBe(0);
  });
});
