/**
 * Mutual-exclusion worker: loops `withLock(key)` around a deliberately NON-atomic
 * GET / sleep / SET on a shared counter and logs enter/exit (with its fence) to a Redis list.
 * Args: <topology (JSON, see store-topology.ts)> <worker id> <sections> <lock key> <counter key>
 *   <events key>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LockEngine } from '../../../src';
import { openTopology, parseTopology } from './store-topology';
import { argument, receive, run, send } from './worker-ipc';

run(async () => {
  const topology = parseTopology(argument(0, 'topology'));
  const id = argument(1, 'worker id');
  const sections = Number(argument(2, 'sections'));
  const lockKey = argument(3, 'lock key');
  const counterKey = argument(4, 'counter key');
  const eventsKey = argument(5, 'events key');

  const opened = openTopology(topology);
  const { data } = opened;
  const engine = new LockEngine({ store: opened.store, prefix: 'lw' });
  // Connected (a cluster client has its slot map) before the start signal.
  await Promise.all([data.get(counterKey), engine.isLocked(lockKey)]);
  send({ type: 'ready' });
  await receive('go');

  for (let i = 0; i < sections; i++) {
    await engine.withLock(
      lockKey,
      async (lock) => {
        await data.rpush(eventsKey, `enter ${id} ${lock.fence}`);
        const value = Number((await data.get(counterKey)) ?? '0');
        // A random pause widens the race window a missing lock would let through.
        await sleep(Math.floor(Math.random() * 3));
        await data.set(counterKey, String(value + 1));
        await data.rpush(eventsKey, `exit ${id} ${lock.fence}`);
      },
      { ttl: 5_000, waitTimeout: 25_000 },
    );
  }

  await engine.close();
  await opened.close();
  send({ type: 'done', sections });
});
