import type Redis from 'ioredis';
import { forkWorker, killWorkers, type WorkerProcess } from '../../support/engine-harness';
import { describeWithRedis, startRedis, type RedisServer } from '../../support/redis-server';

interface Section {
  worker: string;
  fence: number;
}

/** The sections in the enter/exit log; throws on the first overlap. */
function sectionsOf(events: string[]): Section[] {
  const sections: Section[] = [];
  let open: Section | undefined;
  for (const line of events) {
    const [kind, worker, fence] = line.split(' ');
    const event = { worker: worker!, fence: Number(fence) };
    if (kind === 'enter') {
      if (open) throw new Error(`"${line}" while ${open.worker} was inside`);
      open = event;
      sections.push(event);
    } else if (open?.worker !== event.worker || open.fence !== event.fence) {
      throw new Error(`"${line}" does not close the open section`);
    } else {
      open = undefined;
    }
  }
  if (open) throw new Error(`the section of ${open.worker} never exited`);
  return sections;
}

describeWithRedis('@Locked across forked processes (real redis-server)', () => {
  let server: RedisServer;
  let raw: Redis;

  beforeAll(async () => {
    server = await startRedis();
    raw = server.client();
  });
  afterEach(async () => {
    await killWorkers();
  });
  afterAll(async () => {
    await server.stop();
  });

  /** Fork one locked-worker per job, start them together, wait until all are done. */
  async function runWorkers(
    ns: string,
    mode: 'serial' | 'parallel',
    sections: number,
    jobs: Array<[job: string, storeKey: string]>,
  ): Promise<void> {
    const workers: WorkerProcess[] = jobs.map(([job, storeKey], i) =>
      forkWorker('locked-worker.ts', [
        server.url,
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

    // No two sections overlap (sectionsOf throws on the first overlap)...
    const sections = sectionsOf(await raw.lrange(`${ns}:events`, 0, -1));
    expect(sections).toHaveLength(6);
    expect(sections.filter((s) => s.worker === 'w0')).toHaveLength(3);
    // ...although each section stayed inside until the other process had contended for the
    // lock (or was done), so the other was really kept waiting.
    for (let i = 1; i < sections.length; i += 1) {
      expect(sections[i]!.fence).toBeGreaterThan(sections[i - 1]!.fence);
    }
    expect(new Set(await raw.lrange(`${ns}:inside-seen`, 0, -1))).toEqual(new Set(['1']));
    // The first section could only end once the other worker had contended (it cannot be done
    // without the lock). Which worker contended, and how often, depends on scheduling: a
    // worker may take all its sections while the other waits (as happens under load).
    const contended = await raw.hgetall(`${ns}:contended`);
    const contentions = Object.values(contended).reduce((sum, n) => sum + Number(n), 0);
    expect(contentions).toBeGreaterThanOrEqual(1);
    expect(new Set(await raw.lrange(`${ns}:stored`, 0, -1))).toEqual(new Set(['1']));
    expect(await raw.exists(storeKey)).toBe(0);
  });

  it('runs two processes with different keys in parallel', async () => {
    const ns = 'parallel';
    await runWorkers(ns, 'parallel', 1, [
      ['x', 'lw:{job:x}'],
      ['y', 'lw:{job:y}'],
    ]);

    const events = await raw.lrange(`${ns}:events`, 0, -1);
    // Both entered before either left: the critical sections overlapped.
    expect(events.slice(0, 2).every((e) => e.startsWith('enter'))).toBe(true);
    expect(events.slice(2).every((e) => e.startsWith('exit'))).toBe(true);
    expect((await raw.lrange(`${ns}:inside-seen`, 0, -1)).sort()).toEqual(['1', '2']);
    expect(await raw.get(`${ns}:inside`)).toBe('0');
    expect(await raw.hgetall(`${ns}:contended`)).toEqual({});
    expect(await raw.exists('lw:{job:x}', 'lw:{job:y}')).toBe(0);
  });
});
