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
import type Redis from 'ioredis';
import {
  LockEngine,
  LockTimeoutError,
  RedisLockStore,
  type AcquireResult,
  type LockInfo,
  type LockStore,
  type StoreAcquireOptions,
} from '../../../src';
import {
  fairKeys,
  forkFairWorker,
  killFairWorkers,
  queueEntries,
  serverMs,
  sleep,
  waitFor,
  type FairWorker,
} from '../../support/fair-harness';
import { describeWithRedis, startRedis, type RedisServer } from '../../support/redis-server';

/**
 * Passes everything to a RedisLockStore, except that once `stall()` is called, acquire attempts
 * never answer (a waiter whose refreshes stopped getting through).
 */
class StallingStore implements LockStore {
  #stalled = false;
  constructor(readonly inner: RedisLockStore) {}
  stall(): void {
    this.#stalled = true;
  }
  acquire(
    key: string,
    owner: string,
    ttl: number,
    options?: StoreAcquireOptions,
  ): Promise<AcquireResult> {
    if (this.#stalled) return new Promise<AcquireResult>(() => undefined);
    return this.inner.acquire(key, owner, ttl, options);
  }
  renew(key: string, owner: string, ttl: number): Promise<boolean> {
    return this.inner.renew(key, owner, ttl);
  }
  release(key: string, owner: string): Promise<boolean> {
    return this.inner.release(key, owner);
  }
  inspect(key: string): Promise<LockInfo | null> {
    return this.inner.inspect(key);
  }
  forceRelease(key: string): Promise<boolean> {
    return this.inner.forceRelease(key);
  }
  dequeue(key: string, owner: string): Promise<boolean> {
    return this.inner.dequeue(key, owner);
  }
  onRelease(key: string, listener: (next: string | undefined) => void): Promise<() => void> {
    return this.inner.onRelease(key, listener);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describeWithRedis('fair locks: a waiter that gives up leaves the queue (real redis-server)', () => {
  let server: RedisServer;
  let raw: Redis;
  let holder: LockEngine;
  let next: FairWorker;
  const engines: LockEngine[] = [];

  beforeAll(async () => {
    server = await startRedis();
    raw = server.client();
    holder = new LockEngine({ store: new RedisLockStore(server.client()), prefix: 'lw' });
  });

  // A fresh N for every test, so that a failure cannot leave N stuck for the next one.
  beforeEach(async () => {
    next = forkFairWorker('fair-waiter.ts', [server.url, 'next']);
    await next.next('ready', 20_000);
  }, 30_000);

  afterEach(async () => {
    await killFairWorkers();
  });

  afterAll(async () => {
    await killFairWorkers();
    await Promise.all(engines.map((engine) => engine.close()));
    await holder?.close();
    await server?.stop();
  });

  /** The waiter that gives up: its own engine on its own connection. */
  function waiterEngine(stalling = false): {
    engine: LockEngine;
    client: Redis;
    store: StallingStore;
  } {
    const client = server.client();
    const store = new StallingStore(new RedisLockStore(client));
    const engine = new LockEngine({ store: stalling ? store : store.inner, prefix: 'lw' });
    engines.push(engine);
    return { engine, client, store };
  }

  /** T queues first, then N (the forked worker) behind it; returns both entries. */
  async function queueTwo(
    key: string,
    startT: () => Promise<unknown>,
  ): Promise<{ t: [string, number]; n: [string, number]; settled: Promise<unknown> }> {
    const settled = startT().then(
      () => new Error('T acquired, but it should have given up'),
      (error: unknown) => error,
    );
    const [t] = await waitFor('T in the fair queue', async () => {
      const entries = await queueEntries(raw, key);
      return entries.length === 1 && entries;
    });
    next.send({ type: 'acquire', key, fair: true, ttl: 5_000, waitTimeout: 15_000 });
    const entries = await waitFor('N in the fair queue behind T', async () => {
      const now = await queueEntries(raw, key);
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
      const score = await raw.zscore(fairKeys(key).deadlines, token);
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
    expect(await raw.zscore(fairKeys(key).queue, n[0])).toBe(String(n[1]));
    const releasedAt = await serverMs(raw);
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
    expect(await raw.exists(keys.lock, keys.queue, keys.deadlines)).toBe(0);
  }

  it('waitTimeout expires: T leaves the queue at once and N gets the lock as soon as the holder releases', async () => {
    const key = 'fair-timeout:wait-timeout';
    const held = await holder.acquire(key, { ttl: 10_000 });
    const { engine, client } = waiterEngine();

    const { t, n, settled } = await queueTwo(key, () =>
      engine.acquire(key, { fair: true, ttl: 5_000, waitTimeout: 1_200 }),
    );
    const deadlineT = await lastDeadlineUntil(key, t[0], settled);
    const error = await settled;
    await expectLeftAtOnce(client, key, t[0], deadlineT);
    expect(error).toBeInstanceOf(LockTimeoutError);

    await expectNextProceeds(key, n, deadlineT, () => held.release());
  }, 20_000);

  it('signal aborts: T leaves the queue at once and N gets the lock as soon as the holder releases', async () => {
    const key = 'fair-timeout:signal';
    const held = await holder.acquire(key, { ttl: 10_000 });
    const { engine, client } = waiterEngine();
    const controller = new AbortController();
    const reason = new Error('caller gave up');

    const { t, n, settled } = await queueTwo(key, () =>
      engine.acquire(key, {
        fair: true,
        ttl: 5_000,
        waitTimeout: 15_000,
        signal: controller.signal,
      }),
    );
    // Let T refresh its place at least once, then abort.
    await sleep(600);
    const deadlinePromise = lastDeadlineUntil(key, t[0], settled);
    await sleep(30);
    controller.abort(reason);
    const deadlineT = await deadlinePromise;
    const error = await settled;
    await expectLeftAtOnce(client, key, t[0], deadlineT);
    expect(error).toBe(reason);

    await expectNextProceeds(key, n, deadlineT, () => held.release());
  }, 20_000);

  it('engine.close() while T waits: T leaves the queue at once and N gets the lock as soon as the holder releases', async () => {
    const key = 'fair-timeout:close';
    const held = await holder.acquire(key, { ttl: 10_000 });
    const { engine, client } = waiterEngine();

    const { t, n, settled } = await queueTwo(key, () =>
      engine.acquire(key, { fair: true, ttl: 5_000, waitTimeout: 15_000 }),
    );
    const deadlinePromise = lastDeadlineUntil(key, t[0], settled);
    await sleep(30);
    await engine.close();
    const deadlineT = await deadlinePromise;
    expect(String(await settled)).toMatch(/closed/);
    // close() has resolved: T's place is given up (on T's connection, ordered after T's dequeue).
    await expectLeftAtOnce(client, key, t[0], deadlineT);

    await expectNextProceeds(key, n, deadlineT, () => held.release());
  }, 20_000);

  it('signal aborts while T is at the head of a free lock (its attempts stalled): leaving hands the lock to N', async () => {
    const key = 'fair-timeout:free-head';
    const keys = fairKeys(key);
    const held = await holder.acquire(key, { ttl: 10_000 });
    const { engine, client, store } = waiterEngine(true);
    const controller = new AbortController();
    const reason = new Error('caller gave up');

    const { t, n, settled } = await queueTwo(key, () =>
      engine.acquire(key, {
        fair: true,
        ttl: 5_000,
        waitTimeout: 15_000,
        signal: controller.signal,
      }),
    );
    const deadlinePromise = lastDeadlineUntil(key, t[0], settled);
    // T's attempts stop getting through; then the holder releases. The release names T (the
    // head) as next, so N keeps waiting: the lock is free but it is T's turn.
    store.stall();
    await sleep(50); // an attempt T sent just before has its answer by now
    const releasedAt = await serverMs(raw);
    await held.release();
    await sleep(300);
    expect(await raw.exists(keys.lock)).toBe(0);
    expect((await queueEntries(raw, key)).map(([token]) => token)).toEqual([t[0], n[0]]);
    expect(next.messages.filter((m) => m.type === 'acquired')).toEqual([]);

    controller.abort(reason);
    const deadlineT = await deadlinePromise;
    expect(await settled).toBe(reason);
    await expectLeftAtOnce(client, key, t[0], deadlineT);

    // T's dequeue found the lock free and named N: N proceeds without waiting for T's expiry.
    const acquired = await next.next('acquired', 10_000);
    const acquiredAt = Number(acquired['fence']) / 1_000;
    console.log(
      `${key}: N acquired ${(acquiredAt - releasedAt).toFixed(0)} ms after the release; T's entry would have expired ${(deadlineT - acquiredAt).toFixed(0)} ms later`,
    );
    expect(acquired['ticket']).toBe(n[1]);
    expect(acquiredAt).toBeLessThan(deadlineT);
    next.send({ type: 'release' });
    await next.next('released');
    expect(await raw.exists(keys.lock, keys.queue, keys.deadlines)).toBe(0);
  }, 20_000);
});
