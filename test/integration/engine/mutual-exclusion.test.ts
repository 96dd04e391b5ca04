import type Redis from 'ioredis';
import { forkWorker, killWorkers, type WorkerProcess } from '../../support/engine-harness';
import { describeWithRedis, startRedis, type RedisServer } from '../../support/redis-server';

const WORKERS = 4;
const SECTIONS_PER_WORKER = 60;

interface Section {
  worker: string;
  fence: number;
}

/** Parse the enter/exit log and fail on the first overlap: an enter must follow the previous exit. */
function sectionsFromLog(events: string[]): Section[] {
  const sections: Section[] = [];
  let open: Section | undefined;
  events.forEach((line, index) => {
    const [kind, worker, fence] = line.split(' ');
    const event = { worker: worker!, fence: Number(fence) };
    if (kind === 'enter') {
      if (open) {
        throw new Error(
          `overlap at event ${index}: ${worker} entered while ${open.worker} (fence ${open.fence}) was inside`,
        );
      }
      open = event;
      sections.push(event);
    } else {
      if (!open || open.worker !== event.worker || open.fence !== event.fence) {
        throw new Error(`event ${index} "${line}" does not close the open section`);
      }
      open = undefined;
    }
  });
  if (open) throw new Error(`section of ${open.worker} never exited`);
  return sections;
}

describeWithRedis('mutual exclusion across forked processes (real redis-server)', () => {
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

  it(`${WORKERS} processes × ${SECTIONS_PER_WORKER} non-atomic increments: exact count, no overlap, increasing fences`, async () => {
    const counterKey = 'mx:counter';
    const eventsKey = 'mx:events';
    await raw.del(counterKey, eventsKey);

    const workers: WorkerProcess[] = Array.from({ length: WORKERS }, (_, i) =>
      forkWorker('engine-mutex.ts', [
        server.url,
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
    expect(await raw.get(counterKey)).toBe(String(total));

    const sections = sectionsFromLog(await raw.lrange(eventsKey, 0, -1));
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
    expect(await raw.exists('lw:{counter}')).toBe(0);
  }, 60_000);
});
