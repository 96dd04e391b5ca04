import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import { LockEngine, LockStoreError, RedisLockStore } from '../../../src';
import { waitUntil } from '../../support/wait-until';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { startRedis, type RedisServer } from '../../support/redis/redis-server';

describeWithRedis('a Redis that does not answer (real redis-server)', () => {
  let server: RedisServer;
  let raw: Redis;
  let engine: LockEngine | undefined;
  let stopped = false;

  beforeEach(async () => {
    server = await startRedis();
    raw = server.client();
  });
  afterEach(async () => {
    if (stopped) process.kill(server.pid!, 'SIGCONT');
    stopped = false;
    await engine?.close();
    await server.stop();
  });

  /** What settles first: the call, or a timer at `waitTimeout` (cancelled afterwards). */
  async function firstOf(call: Promise<unknown>, waitTimeout: number): Promise<unknown> {
    const timer = new AbortController();
    const outcome = await Promise.race([
      call.then(
        () => 'answered',
        (error: unknown) => error,
      ),
      sleep(waitTimeout, 'waitTimeout', { signal: timer.signal }),
    ]);
    timer.abort();
    return outcome;
  }

  it('a stopped server: tryAcquire and acquire fail with LockStoreError before waitTimeout would', async () => {
    engine = new LockEngine({ store: new RedisLockStore(server.client()) });
    // Connected, scripts loaded: from here on only the server's silence can make it slow.
    await (await engine.acquire('warm-up')).release();
    process.kill(server.pid!, 'SIGSTOP');
    stopped = true;
    const waitTimeout = 30_000;
    for (const call of [
      engine.tryAcquire('k', { waitTimeout }),
      engine.acquire('k', { waitTimeout }),
    ]) {
      const outcome = await firstOf(call, waitTimeout);
      expect(outcome).toBeInstanceOf(LockStoreError);
      expect((outcome as Error).message).toBe(
        'Lock store did not answer within 2000 ms (storeTimeout) during acquire of "k".',
      );
    }
  });

  it('an acquire that Redis runs after storeTimeout, and wins, is given back at once', async () => {
    engine = new LockEngine({ store: new RedisLockStore(server.client()), storeTimeout: 300 });
    await (await engine.acquire('warm-up')).release();
    // Scripts count as writes: Redis holds them until the pause ends, then runs them.
    await raw.client('PAUSE', 1_500, 'WRITE');
    const error = await engine.acquire('late', { ttl: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockStoreError);
    // The fence key proves the acquire ran and won; the lock key is gone long before its 60 s.
    await waitUntil(
      'the late acquire to run and be released',
      async () =>
        (await raw.exists('lw:{late}:fence')) === 1 && (await raw.exists('lw:{late}')) === 0,
      20_000,
    );
    expect(engine.heldCount).toBe(0);
  });
});
