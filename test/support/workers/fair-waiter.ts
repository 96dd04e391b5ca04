/**
 * One waiter of the fair-lock tests: acquires a key when told (fair or plain), reports the
 * acquisition (fence, queue ticket) or the rejection, holds the lock until told to release.
 * Args: <redis url> <worker name>
 *
 * Messages in: { type: 'acquire', key, fair, ttl, waitTimeout }, { type: 'release' },
 *   { type: 'exit' }.
 * Messages out: { type: 'ready' }, { type: 'acquired', fence, ticket }, { type: 'rejected',
 *   error }, { type: 'released' }.
 */
import Redis from 'ioredis';
import { LockEngine, RedisLockStore, type Lock } from '../../../src';
import { argument, receive, run, send } from './worker-ipc';

run(async () => {
  const url = argument(0, 'redis url');
  const name = argument(1, 'worker name');
  const client = new Redis(url);
  const store = new RedisLockStore(client);
  const engine = new LockEngine({ store, prefix: 'lw' });
  const tickets = new Map<number, number | null>();
  engine.on('acquired', (event) => tickets.set(event.fence, event.ticket ?? null));
  engine.on('error', (event) =>
    console.error(`${name}: ${event.operation} failed: ${event.error.message}`),
  );
  await client.ping();
  send({ type: 'ready' });

  for (;;) {
    const message = await receive(['acquire', 'exit']);
    if (message.type === 'exit') break;
    let lock: Lock;
    try {
      lock = await engine.acquire(String(message['key']), {
        fair: message['fair'] === true,
        ttl: Number(message['ttl']),
        waitTimeout: Number(message['waitTimeout']),
      });
    } catch (error) {
      send({ type: 'rejected', error: String(error) });
      continue;
    }
    send({ type: 'acquired', fence: lock.fence, ticket: tickets.get(lock.fence) ?? null });
    await receive('release');
    await lock.release();
    send({ type: 'released' });
  }
  await engine.close();
  await store.close();
  await client.quit();
});
