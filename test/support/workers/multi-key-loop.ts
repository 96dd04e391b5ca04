/**
 * Multi-key worker: loops a lock over a list of keys (given in this worker's own order) around a
 * deliberately NON-atomic read / sleep / write of one counter per key, through `engine.withLock`
 * or a `@Locked` method whose key function returns the list.
 * Args: <topology (JSON, see store-topology.ts)> <worker id> <sections> <keys (JSON array)>
 *   <counter prefix> <'engine' | 'decorator'>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { configureLocks, Locked, LockEngine } from '../../../src';
import { openTopology, parseTopology } from './store-topology';
import { argument, receive, run, send } from './worker-ipc';

run(async () => {
  const topology = parseTopology(argument(0, 'topology'));
  const id = argument(1, 'worker id');
  const sections = Number(argument(2, 'sections'));
  const keys = JSON.parse(argument(3, 'keys')) as string[];
  const counterPrefix = argument(4, 'counter prefix');
  const mode = argument(5, 'mode');

  const opened = openTopology(topology);
  const { data } = opened;
  const engine = new LockEngine({ store: opened.store, prefix: 'lw' });
  configureLocks(engine);
  const counters = keys.map((key) => `${counterPrefix}:${key}`);

  /** One critical section: every key's counter read, a pause, every counter written back. */
  const section = async (): Promise<void> => {
    const values = await Promise.all(counters.map(async (c) => Number((await data.get(c)) ?? 0)));
    // A random pause widens the race window a missing (or partial) lock would let through.
    await sleep(Math.floor(Math.random() * 3));
    await Promise.all(counters.map((c, i) => data.set(c, String(values[i]! + 1))));
  };

  class Worker {
    @Locked({ key: (list: readonly string[]) => list, ttl: 5_000, waitTimeout: 20_000 })
    async locked(list: readonly string[]): Promise<void> {
      void list;
      await section();
    }
  }
  const worker = new Worker();

  await Promise.all([data.get(counters[0]!), engine.isLocked(keys[0]!)]);
  send({ type: 'ready' });
  await receive('go');

  for (let i = 0; i < sections; i++) {
    if (mode === 'decorator') await worker.locked(keys);
    else await engine.withLock(keys, section, { ttl: 5_000, waitTimeout: 20_000 });
  }
  send({ type: 'done', sections, id });
  await engine.close();
  await opened.close();
});
