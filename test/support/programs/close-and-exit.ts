/**
 * A user's program, run as a plain child process (no IPC channel, no `process.exit`): two engines
 * on two ioredis connections; one holds an auto-extended lock until it has been renewed, the other
 * waits for it and is woken by the release notification (pub/sub); then everything is closed in
 * the order a user would (engines, stores, clients). The process must then end by itself.
 *
 * Prints one JSON line: what it did, and which resources still held the event loop once every
 * socket had closed (`process.getActiveResourcesInfo()`; none but stdio may be left).
 * Args: <redis url> <lock key>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { LockEngine, RedisLockStore } from '../../../src';

async function main(): Promise<void> {
  const [url, key] = process.argv.slice(2);
  if (!url || !key) throw new Error('usage: close-and-exit.ts <redis url> <lock key>');

  const holderClient = new Redis(url);
  const waiterClient = new Redis(url);
  const holderStore = new RedisLockStore(holderClient);
  const waiterStore = new RedisLockStore(waiterClient);
  const holderEngine = new LockEngine({ store: holderStore, prefix: 'lw' });
  const waiterEngine = new LockEngine({ store: waiterStore, prefix: 'lw' });

  // Held and auto-extended (every ttl / 3) until one renewal is confirmed.
  const holder = await holderEngine.acquire(key, { ttl: 6_000 });
  const extended = new Promise<void>((resolve, reject) => {
    holderEngine.once('extended', () => resolve());
    holder.signal.addEventListener('abort', () => reject(holder.signal.reason as Error));
  });

  // The waiter tries, subscribes, tries again, then sleeps: its backoff (retryDelay) is far off,
  // and the holder's lease keeps being renewed, so only the release notification can wake it.
  let contended = 0;
  const subscribed = new Promise<void>((resolve) =>
    waiterEngine.on('contended', () => ++contended === 2 && resolve()),
  );
  const waiting = waiterEngine.acquire(key, {
    ttl: 5_000,
    waitTimeout: 60_000,
    retryDelay: 60_000,
  });
  await Promise.all([extended, subscribed]);
  await holder.release();
  const taken = await waiting;
  const wokenAfterAttempts = contended;
  await taken.release();

  // Closed at once, while the waiter's subscriber connection would still linger.
  await holderEngine.close();
  await waiterEngine.close();
  await holderStore.close();
  await waiterStore.close();
  await holderClient.quit();
  await waiterClient.quit();

  // The sockets close shortly after QUIT's reply; once they have, nothing else may hold the loop.
  // (The poll's own timer has fired by the time each check runs.)
  while (process.getActiveResourcesInfo().some((name) => name.startsWith('TCP'))) await sleep(10);
  const left = process.getActiveResourcesInfo().filter((name) => !isStdio(name));
  process.stdout.write(
    `${JSON.stringify({ fence: [holder.fence, taken.fence], wokenAfterAttempts, left })}\n`,
  );
}

/** stdout and stderr are pipes (or a TTY) to the parent; they do not keep a process alive. */
function isStdio(name: string): boolean {
  return name === 'PipeWrap' || name === 'TTYWrap';
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
