/**
 * Warning probe: runs what used to make Node print warnings (timers beyond 2^31-1 ms, hundreds of
 * waiters on one AbortSignal) with real timers, in a plain Node process where `process.on
 * ('warning')` sees them (Jest's sandbox does not), and reports what it saw.
 * Args: <redis url>
 */
import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { LockEngine, RedisLockStore, type LockStore } from '../../../src';
import { argument, run, send } from './worker-ipc';

const DAY = 86_400_000;

run(async () => {
  const warnings: string[] = [];
  process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));

  const url = argument(0, 'redis url');
  const holderClient = new Redis(url);
  const waiterClient = new Redis(url);
  const holder = new LockEngine({ store: new RedisLockStore(holderClient), prefix: 'probe' });
  const inner = new RedisLockStore(waiterClient);
  let attempts = 0;
  const counting: LockStore = {
    acquire: (...args) => {
      attempts += 1;
      return inner.acquire(...args);
    },
    renew: (...args) => inner.renew(...args),
    renewMany: (requests) => inner.renewMany(requests),
    release: (...args) => inner.release(...args),
    inspect: (...args) => inner.inspect(...args),
    forceRelease: (...args) => inner.forceRelease(...args),
    onRelease: (...args) => inner.onRelease(...args),
    dequeue: (...args) => inner.dequeue(...args),
  };
  const engine = new LockEngine({ store: counting, prefix: 'probe' });

  // Held for long: one renewed every 30 days, one that simply lasts 40 days.
  const renewed = await holder.acquire('renewed', { ttl: 90 * DAY });
  await holder.acquire('busy', { ttl: 40 * DAY, autoExtend: false });
  const keys = Array.from({ length: 150 }, (_, i) => `busy:${i}`);
  await Promise.all(keys.map((key) => holder.acquire(key, { ttl: 40 * DAY, autoExtend: false })));

  // Everyone waits on one shutdown signal: long waits with long backoffs, on one key and on many.
  const shutdown = new AbortController();
  const wait = { waitTimeout: 60 * DAY, retryDelay: 30 * DAY, signal: shutdown.signal };
  const waiting = [
    ...Array.from({ length: 150 }, () => engine.acquire('busy', wait)),
    ...keys.map((key) => engine.acquire(key, wait)),
  ].map((p) =>
    p.then(
      () => 'acquired',
      (error: unknown) => (error === shutdown.signal.reason ? 'aborted' : String(error)),
    ),
  );

  // Every caller's first attempt, and one retry after subscribing by the head of each key's
  // local queue: 150 + 1 on "busy", 2 on each other key. Then everyone sleeps for days.
  const settled = 151 + 2 * keys.length;
  for (let i = 0; attempts < settled && i < 1_000; i += 1) await sleep(10);
  const attemptsToSettle = attempts;
  await sleep(700);
  const attemptsWhileWaiting = attempts - attemptsToSettle;
  const abortListeners = getEventListeners(shutdown.signal, 'abort').length;

  shutdown.abort(new Error('shutting down'));
  const outcomes = await Promise.all(waiting);
  const listenersAfter = getEventListeners(shutdown.signal, 'abort').length;

  send({
    type: 'report',
    warnings,
    attemptsToSettle,
    attemptsWhileWaiting,
    abortListeners,
    listenersAfter,
    outcomes: [...new Set(outcomes)],
    waiters: outcomes.length,
    renewedHeld: renewed.held,
  });
  await engine.close();
  await holder.close();
  holderClient.disconnect();
  waiterClient.disconnect();
});
