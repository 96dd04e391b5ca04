import type { Cluster, Redis } from 'ioredis';
import { sectionsFromLog } from './workers/section-log';
import { topologyArgument, type StoreTopology } from './workers/store-topology';
import { forkWorker, type WorkerProcess } from './workers/worker-process';

export interface MutualExclusionRun {
  /** Where the workers lock. */
  topology: StoreTopology;
  /** A client to the node (or cluster) the workers keep their data on: `data` of the topology. */
  data: Redis | Cluster;
  /** The lock key (without prefix); the workers use prefix `lw`. */
  key: string;
  /** Whether the lock's Redis key still exists anywhere, asked after the run. */
  lockKeyLeft: () => Promise<boolean>;
  /** @default 4 */
  workers?: number;
  /** @default 60 */
  sectionsPerWorker?: number;
}

/**
 * The mutual-exclusion run every topology must pass: forked processes loop `withLock` around a
 * deliberately non-atomic increment and log each section's enter and exit with its fence. The
 * count must be exact, no two sections may overlap (in Redis execution order), fences must
 * increase, the lock must have changed hands between processes, and nothing may stay locked.
 */
export async function expectMutualExclusion(run: MutualExclusionRun): Promise<void> {
  const workerCount = run.workers ?? 4;
  const sectionsPerWorker = run.sectionsPerWorker ?? 60;
  const counterKey = `mx:${run.key}:counter`;
  const eventsKey = `mx:${run.key}:events`;
  await Promise.all([run.data.del(counterKey), run.data.del(eventsKey)]);

  const workers: WorkerProcess[] = Array.from({ length: workerCount }, (_, i) =>
    forkWorker('engine-mutex.ts', [
      topologyArgument(run.topology),
      `w${i}`,
      String(sectionsPerWorker),
      run.key,
      counterKey,
      eventsKey,
    ]),
  );
  // Start together, so the sections really contend instead of running one process after another.
  await Promise.all(workers.map((w) => w.next('ready', 20_000)));
  for (const w of workers) w.send({ type: 'go' });
  const done = await Promise.all(workers.map((w) => w.next('done', 60_000)));
  expect(done.map((m) => m['sections'])).toEqual(Array(workerCount).fill(sectionsPerWorker));

  const total = workerCount * sectionsPerWorker;
  expect(await run.data.get(counterKey)).toBe(String(total));

  const sections = sectionsFromLog(await run.data.lrange(eventsKey, 0, -1));
  expect(sections).toHaveLength(total);
  for (let i = 0; i < workerCount; i++) {
    expect(sections.filter((s) => s.worker === `w${i}`)).toHaveLength(sectionsPerWorker);
  }
  // The log is in Redis execution order, i.e. acquisition order.
  for (let i = 1; i < sections.length; i++) {
    expect(sections[i]!.fence).toBeGreaterThan(sections[i - 1]!.fence);
  }
  // Several processes took turns (the lock was contended, not held by one after another).
  const handOffs = sections.filter((s, i) => i > 0 && s.worker !== sections[i - 1]!.worker);
  expect(handOffs.length).toBeGreaterThanOrEqual(workerCount - 1);
  expect(await run.lockKeyLeft()).toBe(false);
}
