/**
 * Failover worker: holds auto-extended locks and loops acquire + release on other keys while the
 * test fails a Redis node over, recording each operation with the phase the test announced when
 * it started and ended. It runs in its own process so `process.on('unhandledRejection')` sees
 * everything (Jest intercepts those in the test process itself).
 * Args: <topology (JSON, see store-topology.ts)> <keys (JSON: { loop: string[], held: string[] })>
 * Messages in: { type: 'phase', phase }, { type: 'probe' }, { type: 'finish' }.
 * Messages out: ready { held: { [key]: { token, fence } } }, probe { held: { [key]: boolean } },
 *   report { operations, held, unhandled }.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LockEngine, LockLostError, LockTimeoutError, type Lock } from '../../../src';
import { waitUntil } from '../wait-until';
import { openTopology, parseTopology } from './store-topology';
import { collectUnhandledErrors, describeError } from './unhandled-errors';
import { argument, receive, run, send } from './worker-ipc';

export interface Operation {
  /** `op:<n>`, also the metadata its acquisition stored with the lock. */
  id: string;
  key: string;
  startedIn: string;
  endedIn: string;
  /** `'ok'`, or the error's class name and message. */
  outcome: string;
  /** When it found the lock held: the holder's id, asked right after (null: gone by then). */
  holder?: string | null;
}

const unhandled = collectUnhandledErrors();

/** How many successes after the switch each loop key needs before the worker reports. */
const SUCCESSES_AFTER = 3;

run(async () => {
  const topology = parseTopology(argument(0, 'topology'));
  const keys = JSON.parse(argument(1, 'keys')) as { loop: string[]; held: string[] };
  const opened = openTopology(topology);
  // Renewal failures during the switch are expected; they arrive as 'error' events.
  const engine = new LockEngine({
    store: opened.store,
    prefix: 'lw',
    logger: { warn: () => undefined, error: () => undefined },
  });
  engine.on('error', () => undefined);

  const held = new Map<string, Lock>();
  for (const key of keys.held) held.set(key, await engine.acquire(key, { ttl: 8_000 }));
  await Promise.all(keys.loop.map((key) => engine.isLocked(key)));
  send({
    type: 'ready',
    held: Object.fromEntries([...held].map(([key, lock]) => [key, lock.fence])),
    tokens: Object.fromEntries([...held].map(([key, lock]) => [key, lock.token])),
  });

  let phase = 'before';
  let stopped = false;
  const operations: Operation[] = [];
  let next = 0;
  const loop = async (key: string): Promise<void> => {
    while (!stopped) {
      const id = `op:${next++}`;
      const operation: Operation = { id, key, startedIn: phase, endedIn: '', outcome: 'ok' };
      try {
        // Each store call bounded well below the switch (at least cluster-node-timeout, 1 s).
        const lock = await engine.acquire(key, {
          ttl: 2_000,
          waitTimeout: 0,
          storeTimeout: 400,
          metadata: id,
        });
        await lock.release();
      } catch (error) {
        operation.outcome = describeError(error);
        if (error instanceof LockTimeoutError) {
          operation.holder = (await engine.inspect(key).catch(() => null))?.metadata ?? null;
        }
      }
      operation.endedIn = phase;
      operations.push(operation);
      // Failed calls return at once on some errors; do not spin.
      await sleep(operation.outcome === 'ok' ? 5 : 20);
    }
  };
  const loops = keys.loop.map(loop);

  for (;;) {
    const message = await receive(['phase', 'probe', 'finish']);
    if (message.type === 'phase') phase = String(message['phase']);
    else if (message.type === 'probe') {
      send({
        type: 'probe',
        held: Object.fromEntries([...held].map(([key, lock]) => [key, lock.held])),
      });
    } else break;
  }

  await waitUntil(
    `${SUCCESSES_AFTER} successes on every loop key after the switch`,
    () =>
      keys.loop.every(
        (key) =>
          operations.filter((o) => o.key === key && o.startedIn === phase && o.outcome === 'ok')
            .length >= SUCCESSES_AFTER,
      ),
    20_000,
  );
  stopped = true;
  await Promise.all(loops);
  const heldReport = Object.fromEntries(
    [...held].map(([key, lock]) => {
      const reason: unknown = lock.signal.reason;
      return [
        key,
        {
          held: lock.held,
          aborted: lock.signal.aborted,
          lostError: reason instanceof LockLostError,
        },
      ];
    }),
  );
  for (const lock of held.values()) await lock.release().catch(() => false);
  // Late replies to calls made during the switch must not reject unhandled either.
  await sleep(200);
  await engine.close();
  await opened.close();
  send({ type: 'report', operations, held: heldReport, unhandled });
});
