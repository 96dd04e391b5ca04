/**
 * Holder worker: takes one auto-extended lock, reports it, and reports what happens to it
 * (its signal aborting, the engine's `lost` event). On `{ type: 'release' }` it releases and
 * reports the result. The test kills or pauses this process to play a crashed or stalled holder.
 * Args: <redis url> <lock key> <ttl ms>
 */
import Redis from 'ioredis';
import { LockEngine, LockLostError, RedisLockStore } from '../../../src';
import { argument, receive, run, send } from './worker-ipc';

run(async () => {
  const url = argument(0, 'redis url');
  const key = argument(1, 'lock key');
  const ttl = Number(argument(2, 'ttl'));

  const client = new Redis(url);
  const store = new RedisLockStore(client);
  const engine = new LockEngine({ store, prefix: 'lw' });
  engine.on('lost', (event) => {
    send({ type: 'lost-event', errorName: event.error.name, code: event.error.code });
  });
  engine.on('error', () => undefined);

  const lock = await engine.acquire(key, { ttl, autoExtend: true, waitTimeout: 5_000 });
  lock.signal.addEventListener('abort', () => {
    const reason: unknown = lock.signal.reason;
    send({
      type: 'aborted',
      aborted: lock.signal.aborted,
      isLockLostError: reason instanceof LockLostError,
      reasonName: reason instanceof Error ? reason.name : String(reason),
      reasonCode: reason instanceof LockLostError ? reason.code : null,
      held: lock.held,
    });
  });
  send({ type: 'locked', fence: lock.fence, token: lock.token, pid: process.pid });

  await receive('release');
  const released = await lock.release();
  send({ type: 'released', released, held: lock.held });
  await engine.close();
  await store.close();
  client.disconnect();
});
