import type { Cluster, Redis } from 'ioredis';
import { topologyArgument, type StoreTopology } from './workers/store-topology';
import { forkWorker } from './workers/worker-process';

export interface MultiKeyLoopsRun {
  /** Where the workers lock. */
  topology: StoreTopology;
  /** A client to the node (or cluster) the workers keep their counters on: `data` of the topology. */
  data: Redis | Cluster;
  /**
   * One forked worker per entry: the keys it locks as one set, in its own order, and whether
   * through `engine.withLock` or a `@Locked` method whose key function returns them.
   */
  loops: Array<{ keys: string[]; mode: 'engine' | 'decorator' }>;
  /** Critical sections per worker. */
  sections: number;
  /** Each key's counter is `<counterPrefix>:<key>`. */
  counterPrefix: string;
  /** How long the workers may take to start (compile, connect). @default 20_000 */
  readyTimeout?: number;
}

/**
 * Multi-key sets locked in opposite orders by several processes at once (workers/multi-key-loop.ts,
 * a non-atomic increment of one counter per key): no deadlock (every worker finishes all its
 * sections; one stuck would fail with LockTimeoutError or never report) and exact counts (each
 * key's counter is `sections` times the number of workers that lock it).
 */
export async function expectMultiKeyLoops(run: MultiKeyLoopsRun): Promise<void> {
  const counter = (key: string): string => `${run.counterPrefix}:${key}`;
  const keys = [...new Set(run.loops.flatMap((loop) => loop.keys))];
  // One DEL per key: on a cluster the counters live in different slots.
  await Promise.all(keys.map((key) => run.data.del(counter(key))));
  const workers = run.loops.map(({ keys: ordered, mode }, i) =>
    forkWorker('multi-key-loop.ts', [
      topologyArgument(run.topology),
      `w${i}`,
      String(run.sections),
      JSON.stringify(ordered),
      run.counterPrefix,
      mode,
    ]),
  );
  await Promise.all(workers.map((w) => w.next('ready', run.readyTimeout ?? 20_000)));
  for (const w of workers) w.send({ type: 'go' });
  // A deadlock shows as a worker failing with LockTimeoutError (waitTimeout 20 s) or no 'done'.
  const done = await Promise.all(workers.map((w) => w.next('done', 50_000)));
  expect(done.map((m) => m['sections'])).toEqual(run.loops.map(() => run.sections));

  for (const key of keys) {
    const lockers = run.loops.filter((loop) => loop.keys.includes(key)).length;
    expect([key, await run.data.get(counter(key))]).toEqual([key, String(lockers * run.sections)]);
  }
}
