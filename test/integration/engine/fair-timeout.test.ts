/**
 * Issue 5: a fair waiter that gives up (its `waitTimeout` runs out, or its `signal` aborts) leaves
 * the store's queue at once — not 2 s later by expiry — and the next in line proceeds as soon as
 * the lock is free. Ordering is checked on the Redis server's clock: the next waiter's acquisition
 * (its fence, server µs) comes before the deadline the departed waiter's entry had in `:qt`, i.e.
 * before the entry could have expired by itself.
 *
 * The waiter that gives up (T) runs in this process on its own connection, so a read on that same
 * connection right after the rejection is ordered after T's dequeue. The next in line (N) is a
 * forked process (a fresh one per test).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import { LockTimeoutError, type Lock, type LockEngine } from '../../../src';
import type { AcquireOptions } from '../../../src';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { fairKeys, queueEntries, serverMs } from '../../support/redis/lock-layout';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { ScriptedStore } from '../../support/scripted-store';
import { useEngines } from '../../support/use-engines';
import { waitUntil } from '../../support/wait-until';
import { forkWorker, type WorkerProcess } from '../../support/workers/worker-process';

/** A ScriptedStore whose release notifications can be cut off (`deaf`). */
class DeafStore extends ScriptedStore {
  deaf = false;
  override onRelease(key: string, listener: (next: string | undefined) => void) {
    return super.onRelease(key, (...args) => {
      if (!this.deaf) listener(...args);
    });
  }
}

describeWithRedis('fair locks: a waiter that gives up leaves the queue (real redis-server)', () => {
  const redis = useRedisServer();
  const engines = useEngines(redis);
  let next: WorkerProcess;

  // A fresh N for every test, so that a failure cannot leave N stuck for the next one.
  beforeEach(async () => {
    next = forkWorker('fair-waiter.ts', [redis.url, 'next']);
    await next.next('ready', 20_000);
  }, 30_000);

  /** The holder T and N wait behind: the lock on a connection of its own, for longer than a test. */
  const holdLock = (key: string): Promise<Lock> => engines.create().acquire(key, { ttl: 10_000 });

  /**
   * The waiter that gives up: its own engine on its own connection. With `stalling`, its store
   * stops answering acquire attempts once `store.hang('acquire')` is called, and stops
   * delivering release notifications once `store.deaf` is set (a waiter whose refreshes stopped
   * getting through, and that misses the grant a release sends it).
   */
  function waiterEngine(stalling = false): {
    engine: LockEngine;
    client: Redis;
    store: DeafStore;
  } {
    const client = redis.client();
    const store = new DeafStore(engines.store({ connection: client }));
    const engine = engines.create({ store: stalling ? store : store.inner });
    return { engine, client, store };
  }

  /** How T (and N) wait: fairly, and long enough that only the test ends the wait. */
  const fairWait = (options: AcquireOptions = {}): AcquireOptions => ({
    fair: true,
    ttl: 5_000,
    waitTimeout: 15_000,
    ...options,
  });

  /** T queues first, then N (the forked worker) behind it; returns both entries. */
  async function queueTwo(
    key: string,
    startT: () => Promise<unknown>,
  ): Promise<{ t: [string, number]; n: [string, number]; settled: Promise<unknown> }> {
    const settled = startT().then(
      () => new Error('T acquired, but it should have given up'),
      (error: unknown) => error,
    );
    const [t] = await waitUntil('T in the fair queue', async () => {
      const entries = await queueEntries(redis.raw, key);
      return entries.length === 1 && entries;
    });
    next.send({ type: 'acquire', key, ...fairWait() });
    const entries = await waitUntil('N in the fair queue behind T', async () => {
      const now = await queueEntries(redis.raw, key);
      return now.length === 2 && now;
    });
    expect(entries[0]).toEqual(t);
    return { t: t!, n: entries[1]!, settled };
  }

  /** Until `settled`, keep reading T's deadline in `:qt`; resolves the last one seen. */
  async function lastDeadlineUntil(
    key: string,
    token: string,
    settled: Promise<unknown>,
  ): Promise<number> {
    let done = false;
    void settled.then(() => (done = true));
    let deadline = Number.NaN;
    while (!done) {
      const score = await redis.raw.zscore(fairKeys(key).deadlines, token);
      if (score !== null) deadline = Number(score);
      await Promise.race([sleep(20), settled]);
    }
    return deadline;
  }

  /** Right after T's rejection, on T's own connection: T is gone from both sets. */
  async function expectLeftAtOnce(
    client: Redis,
    key: string,
    token: string,
    deadline: number,
  ): Promise<void> {
    const keys = fairKeys(key);
    const [inQueue, inDeadlines, now] = await Promise.all([
      client.zscore(keys.queue, token),
      client.zscore(keys.deadlines, token),
      serverMs(client),
    ]);
    expect([inQueue, inDeadlines]).toEqual([null, null]);
    // It left by itself, not by expiry: its entry was still live when we looked.
    expect(now).toBeLessThan(deadline);
  }

  /** N acquires once the holder releases, before T's entry could have expired. */
  async function expectNextProceeds(
    key: string,
    n: [string, number],
    deadlineT: number,
    release: () => Promise<unknown>,
  ): Promise<void> {
    expect(await redis.raw.zscore(fairKeys(key).queue, n[0])).toBe(String(n[1]));
    const releasedAt = await serverMs(redis.raw);
    await release();
    const acquired = await next.next('acquired', 10_000);
    const acquiredAt = Number(acquired['fence']) / 1_000; // server µs at acquisition
    console.log(
      `${key}: release → N acquired ${(acquiredAt - releasedAt).toFixed(2)} ms; T's entry would have expired ${(deadlineT - acquiredAt).toFixed(0)} ms later`,
    );
    expect(acquired['ticket']).toBe(n[1]);
    expect(acquiredAt).toBeGreaterThanOrEqual(releasedAt);
    expect(acquiredAt).toBeLessThan(deadlineT);
    next.send({ type: 'release' });
    await next.next('released');
    const keys = fairKeys(key);
    expect(await redis.raw.exists(keys.lock, keys.queue, keys.deadlines)).toBe(0);
  }

  const reason = new Error('caller gave up');

  /** The ways T gives up while it waits behind the holder, and what its acquire rejects with. */
  it.each<{
    how: string;
    key: string;
    /** T's own options, and what the test then does to make T give up. */
    start: (engine: LockEngine) => { options: AcquireOptions; giveUp: () => Promise<unknown> };
    rejection: (error: unknown) => void;
  }>([
    {
      how: 'waitTimeout expires',
      key: 'fair-timeout:wait-timeout',
      start: () => ({ options: { waitTimeout: 1_200 }, giveUp: async () => {} }),
      rejection: (error) => expect(error).toBeInstanceOf(LockTimeoutError),
    },
    {
      how: 'signal aborts',
      key: 'fair-timeout:signal',
      start: () => {
        const controller = new AbortController();
        return {
          options: { signal: controller.signal },
          giveUp: async () => {
            // Let T refresh its place at least once, then abort.
            await sleep(630);
            controller.abort(reason);
          },
        };
      },
      rejection: (error) => expect(error).toBe(reason),
    },
    {
      how: 'engine.close() while T waits',
      key: 'fair-timeout:close',
      // close() resolves before the checks below: T's place is given up by then.
      start: (engine) => ({ options: {}, giveUp: () => sleep(30).then(() => engine.close()) }),
      rejection: (error) => expect(String(error)).toMatch(/closed/),
    },
  ])(
    '$how: T leaves the queue at once and N gets the lock as soon as the holder releases',
    async ({ key, start, rejection }) => {
      const held = await holdLock(key);
      const { engine, client } = waiterEngine();
      const { options, giveUp } = start(engine);

      const { t, n, settled } = await queueTwo(key, () => engine.acquire(key, fairWait(options)));
      const deadlinePromise = lastDeadlineUntil(key, t[0], settled);
      await giveUp();
      const deadlineT = await deadlinePromise;
      rejection(await settled);
      // On T's own connection, so ordered after T's dequeue.
      await expectLeftAtOnce(client, key, t[0], deadlineT);

      await expectNextProceeds(key, n, deadlineT, () => held.release());
    },
    20_000,
  );

  it('signal aborts while T holds a grant it never heard of (its attempts stalled): leaving hands the lock to N', async () => {
    const key = 'fair-timeout:free-head';
    const keys = fairKeys(key);
    const held = await holdLock(key);
    const { engine, client, store } = waiterEngine(true);
    const controller = new AbortController();

    const { t, n, settled } = await queueTwo(key, () =>
      engine.acquire(key, fairWait({ signal: controller.signal })),
    );
    const deadlinePromise = lastDeadlineUntil(key, t[0], settled);
    // T's attempts stop getting through; then the holder releases. The release grants the lock
    // to T (the head), which never claims it (it misses the grant's message and its attempts
    // hang), so N keeps waiting: the lock is T's.
    store.hang('acquire');
    store.deaf = true;
    await sleep(50); // an attempt T sent just before has its answer by now
    const releasedAt = await serverMs(redis.raw);
    await held.release();
    await sleep(300);
    expect(await redis.raw.exists(keys.lock)).toBe(1);
    expect((await queueEntries(redis.raw, key)).map(([token]) => token)).toEqual([n[0]]);
    expect(next.messages.filter((m) => m.type === 'acquired')).toEqual([]);

    controller.abort(reason);
    const deadlineT = await deadlinePromise;
    expect(await settled).toBe(reason);
    await expectLeftAtOnce(client, key, t[0], deadlineT);

    // T's dequeue released T's grant and granted N: N proceeds without waiting for T's expiry.
    const acquired = await next.next('acquired', 10_000);
    const acquiredAt = Number(acquired['fence']) / 1_000;
    console.log(
      `${key}: N acquired ${(acquiredAt - releasedAt).toFixed(0)} ms after the release; T's entry would have expired ${(deadlineT - acquiredAt).toFixed(0)} ms later`,
    );
    expect(acquired['ticket']).toBe(n[1]);
    expect(acquiredAt).toBeLessThan(deadlineT);
    next.send({ type: 'release' });
    await next.next('released');
    expect(await redis.raw.exists(keys.lock, keys.queue, keys.deadlines)).toBe(0);
  }, 20_000);
});
