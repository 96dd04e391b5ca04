/**
 * Connection-failure worker: holds one auto-extended lock while the test breaks its Redis
 * connection (CLIENT KILL) or restarts the server, and reports what the engine did. It runs in its
 * own process so `process.on('unhandledRejection')` sees everything (Jest intercepts those in the
 * test process itself).
 * Args: <redis url> <mode: slow-reconnect | fast-reconnect | restart> <lock key> <ttl ms>
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis, { type RedisOptions } from 'ioredis';
import { LockEngine, LockLostError, RedisLockStore } from '../../../src';
import { waitUntil } from '../wait-until';
import { collectUnhandledErrors } from './unhandled-errors';
import { argument, receive, run, send } from './worker-ipc';

const unhandled = collectUnhandledErrors();

/** Bounded wait for a condition the engine or client reaches by itself. */
const until = (what: string, check: () => boolean): Promise<unknown> =>
  waitUntil(what, check, 10_000, 5);

run(async () => {
  const url = argument(0, 'redis url');
  const mode = argument(1, 'mode');
  const key = argument(2, 'lock key');
  const ttl = Number(argument(3, 'ttl'));

  // slow-reconnect: the client stays away for longer than the ttl.
  const options: RedisOptions = mode === 'slow-reconnect' ? { retryStrategy: () => 1_500 } : {};
  const client = new Redis(url, options);
  client.on('error', () => undefined);
  const timeline: string[] = [];
  client.on('close', () => timeline.push('close'));
  client.on('ready', () => timeline.push('ready'));

  const store = new RedisLockStore(client);
  const engine = new LockEngine({
    store,
    prefix: 'lw',
    logger: { warn: () => undefined, error: () => undefined },
  });
  let extensions = 0;
  const lost: Array<{ errorName: string; isLockLostError: boolean; message: string }> = [];
  engine.on('extended', () => {
    extensions += 1;
    timeline.push('extended');
  });
  engine.on('lost', (event) => {
    timeline.push('lost');
    lost.push({
      errorName: event.error.name,
      isLockLostError: event.error instanceof LockLostError,
      message: event.error.message,
    });
  });
  engine.on('error', (event) => timeline.push(`error:${event.operation}`));

  const lock = await engine.acquire(key, { ttl, autoExtend: true });
  // Renewals are running before the connection is broken.
  await until('a first renewal', () => extensions > 0);
  const clientId = await client.client('ID');
  send({ type: 'held', clientId, token: lock.token, fence: lock.fence });

  await receive('disrupted');
  // The first 'ready' in the timeline is the initial connection; a reconnection follows a 'close'.
  const reconnectedAt = (): number => {
    const closedAt = timeline.indexOf('close');
    return closedAt < 0 ? -1 : timeline.indexOf('ready', closedAt);
  };
  if (mode === 'fast-reconnect') {
    await until('the client to reconnect', () => reconnectedAt() >= 0);
    const atReconnect = extensions;
    await until('two renewals after reconnecting', () => extensions >= atReconnect + 2);
  } else {
    await until('the lock to be reported lost', () => lock.signal.aborted);
  }
  const reason: unknown = lock.signal.reason;
  send({
    type: 'outcome',
    held: lock.held,
    signalAborted: lock.signal.aborted,
    reasonName: reason instanceof Error ? reason.name : null,
    reasonIsLockLostError: reason instanceof LockLostError,
    // Whether the connection had come back before the loss was reported.
    reconnectedBeforeLost: reconnectedAt() >= 0 && reconnectedAt() < timeline.indexOf('lost'),
    disconnected: timeline.includes('close'),
    lost,
    timeline: [...timeline],
  });

  await receive('finish');
  let reacquiredFence: number | null = null;
  let released: boolean;
  if (lock.held) {
    released = await lock.release();
  } else {
    if (client.status !== 'ready') await once(client, 'ready');
    const again = await engine.acquire(key, { ttl, waitTimeout: 5_000 });
    reacquiredFence = again.fence;
    released = await again.release();
  }
  // Late replies to renewals sent before the disruption must not reject unhandled either.
  await sleep(200);
  await engine.close();
  await store.close();
  client.disconnect();
  send({ type: 'report', reacquiredFence, released, unhandled });
});
