import { setTimeout as sleep } from 'node:timers/promises';
import type { AcquireResult, Lock } from '../../../src';
import { defer } from '../../support/cleanup';
import { nextEvent } from '../../support/next-event';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { ScriptedStore } from '../../support/scripted-store';
import { useEngines } from '../../support/use-engines';
import { waitUntil } from '../../support/wait-until';

/**
 * The backoff sleeps at least `retryDelay / 2` (equal jitter on a base of at least `retryDelay`),
 * so with a long `retryDelay` a waiter that acquires before that moment was provably woken by
 * something else: a release notification or the holder's remaining ttl. These tests assert that
 * ordering, never how fast the hand-off was.
 */
const LONG_RETRY_DELAY = 10_000;
const EARLIEST_BACKOFF_WAKE = LONG_RETRY_DELAY / 2;

/** Resolves with `promise` or with `'backoff'` once the earliest backoff wake-up has passed. */
function beforeBackoff<T>(promise: Promise<T>): Promise<T | 'backoff'> {
  let timer: NodeJS.Timeout | undefined;
  const backoff = new Promise<'backoff'>((resolve) => {
    timer = setTimeout(() => resolve('backoff'), EARLIEST_BACKOFF_WAKE);
  });
  return Promise.race([promise, backoff]).finally(() => clearTimeout(timer));
}

describeWithRedis('waiting is not polling (real redis-server, several engines)', () => {
  const redis = useRedisServer();
  const engines = useEngines(redis);

  it('a release notification wakes the waiter: it acquires right after the release, not on its backoff', async () => {
    const holderEngine = engines.create();
    const waiterEngine = engines.create();
    const holder = await holderEngine.acquire('wait:notify', { ttl: 30_000 });

    const contended: number[] = [];
    waiterEngine.on('contended', (event) => contended.push(event.holderTtl));
    // The waiter tries, subscribes, tries again (a release between the two would be missed
    // otherwise), then sleeps: its next wake-up by backoff is seconds away.
    const secondAttempt = new Promise<void>((resolve) =>
      waiterEngine.on('contended', () => contended.length === 2 && resolve()),
    );
    const waiting = waiterEngine.acquire('wait:notify', {
      ttl: 5_000,
      waitTimeout: 20_000,
      retryDelay: LONG_RETRY_DELAY,
    });
    await secondAttempt;
    // The holder's ttl (30 s, renewed) cannot be what wakes the waiter either.
    expect(Math.min(...contended)).toBeGreaterThan(EARLIEST_BACKOFF_WAKE);

    await expect(holder.release()).resolves.toBe(true);
    const lock = await beforeBackoff(waiting);

    expect(lock).not.toBe('backoff');
    expect(contended).toHaveLength(2);
    expect((lock as Lock).fence).toBeGreaterThan(holder.fence);
    expect(await redis.raw.hget('lw:{wait:notify}', 'o')).toBe((lock as Lock).token);
    await (lock as Lock).release();
  });

  it("a waiter sleeps the holder's remaining ttl: it takes an expired lock with few attempts", async () => {
    const holderEngine = engines.create();
    const waiterEngine = engines.create();
    // No auto-extension and no release: the only way the lock frees up is its ttl running out,
    // which publishes nothing. The ttl is long enough that the waiter's first attempt finds the
    // lock still held on a loaded host (a CI run once took longer than 300 ms to get there) and
    // short enough to end well before the earliest backoff wake-up.
    const holder = await holderEngine.acquire('wait:ttl', { ttl: 2_000, autoExtend: false });

    const contended: number[] = [];
    waiterEngine.on('contended', (event) => contended.push(event.holderTtl));
    const waiting = waiterEngine.acquire('wait:ttl', {
      ttl: 5_000,
      waitTimeout: 20_000,
      retryDelay: LONG_RETRY_DELAY,
    });
    const lock = await beforeBackoff(waiting);

    expect(lock).not.toBe('backoff');
    // Every failed attempt learned a remaining ttl no longer than the holder's: the first, the
    // one after subscribing, and at most one more, which can only land in the last ms the key
    // lived (Redis keeps a key through the ms of its expiry; the waiter then sleeps past it).
    expect(contended.length).toBeGreaterThanOrEqual(1);
    expect(contended.length).toBeLessThanOrEqual(3);
    for (const ttl of contended.slice(0, 2)) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2_000);
    }
    if (contended.length === 3) expect(contended[2]).toBeLessThanOrEqual(1);
    expect((lock as Lock).fence).toBeGreaterThan(holder.fence);
    await (lock as Lock).release();
    // The holder finds out by its local deadline; its release no longer touches anything.
    await waitUntil('the holder to notice the expiry', () => !holder.held);
    await expect(holder.release()).resolves.toBe(false);
  });

  it('local waiters queue: one release wakes one waiter, so a hand-off costs about one attempt', async () => {
    const WAITERS = 8;
    const holderEngine = engines.create();
    const store = new ScriptedStore(engines.store());
    const waiterEngine = engines.create({ store });
    const holder = await holderEngine.acquire('wait:queue', { ttl: 30_000 });

    // Each waiter's first attempt fails; then the head of the local queue subscribes and tries
    // once more. After that nobody may poll: the holder's ttl and the backoff are both long.
    let contended = 0;
    waiterEngine.on('contended', () => (contended += 1));
    const queued = new Promise<void>((resolve) =>
      waiterEngine.on('contended', () => contended === WAITERS + 1 && resolve()),
    );
    const order: number[] = [];
    let active = 0;
    let maxActive = 0;
    const section = (i: number) =>
      waiterEngine.withLock(
        'wait:queue',
        async () => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          order.push(i);
          await sleep(2);
          active -= 1;
        },
        { ttl: 5_000, waitTimeout: 20_000, retryDelay: LONG_RETRY_DELAY },
      );
    const runs = Array.from({ length: WAITERS }, (_, i) => section(i));
    await queued;
    // A newcomer joins the local queue behind them without an attempt of its own (no barging).
    runs.push(section(WAITERS));
    // Quiet while the lock stays held: no attempts beyond the ones above.
    await sleep(100);
    expect(store.calls.acquire).toBe(WAITERS + 1);

    const before = store.calls.acquire;
    await holder.release();
    await beforeBackoff(Promise.all(runs)).then((result) => expect(result).not.toBe('backoff'));

    const callers = WAITERS + 1;
    const handOffAttempts = store.calls.acquire - before;
    expect(order).toHaveLength(callers);
    expect(maxActive).toBe(1);
    // One successful attempt per waiter plus at most a few raced by a late pub/sub echo; a herd
    // (every waiter trying on every release) would cost callers * (callers + 1) / 2 = 45.
    expect(handOffAttempts).toBeGreaterThanOrEqual(callers);
    expect(handOffAttempts).toBeLessThanOrEqual(callers + 3);
    // The local queue is first come, first served.
    expect(order).toEqual(Array.from({ length: callers }, (_, i) => i));
  });

  it('waiters in separate engines: each release wakes the remaining waiter, never its backoff', async () => {
    // Two independent engines waiting on one key, as two processes would. The loser of the first
    // hand-off learns a 5 s holder ttl, so only the second release's notification can wake it.
    const holderEngine = engines.create();
    const a = engines.create();
    const b = engines.create();
    const holder = await holderEngine.acquire('wait:two', { ttl: 30_000 });
    const options = { ttl: 5_000, waitTimeout: 20_000, retryDelay: LONG_RETRY_DELAY };
    const bothWaiting = Promise.all([nextEvent(a, 'contended'), nextEvent(b, 'contended')]);
    const first = a.withLock('wait:two', async () => 'a', options);
    const second = b.withLock('wait:two', async () => 'b', options);
    await bothWaiting;
    await holder.release();
    const results = await beforeBackoff(Promise.all([first, second]));
    expect(results).toEqual(['a', 'b']);
  });

  describe('when the store tells the lease’s end to a fraction of a ms (Redis >= 7)', () => {
    /** An engine whose store records when each attempt was sent and answered. */
    async function recordingWaiter() {
      const version = /redis_version:(\d+)/.exec(await redis.raw.info('server'))?.[1];
      const store = engines.store();
      const attempts: Array<{ sentAt: number; answeredAt: number; result: AcquireResult }> = [];
      const acquire = store.acquire.bind(store);
      store.acquire = async (...args) => {
        const sentAt = performance.now();
        const result = await acquire(...args);
        attempts.push({ sentAt, answeredAt: performance.now(), result });
        return result;
      };
      return { engine: engines.create({ store }), attempts, finely: Number(version) >= 7 };
    }

    /**
     * The attempts after the one that told the lease's end (the second: the first, then the one
     * after subscribing), checked: none before the lease's length had passed since that one was
     * sent (no backoff wake-up, no timer landing early), and at most one that failed. The waiter
     * counts from the middle of that attempt's round trip, so it can be early by at most half of
     * it, and only when the attempt went out slower than it came back: then its next attempt
     * finds no more than that half left, and the one after takes the lock.
     */
    function expectWokenByTheLeaseEnd(
      attempts: Awaited<ReturnType<typeof recordingWaiter>>['attempts'],
    ) {
      const [first, told, ...after] = attempts;
      expect([first!.result.acquired, told!.result.acquired]).toEqual([false, false]);
      if (told!.result.acquired) throw new Error('unreachable');
      const expiresIn = told!.result.expiresIn!;
      expect(expiresIn).toBeGreaterThan(0);
      expect(after.map(({ result }) => result.acquired).at(-1)).toBe(true);
      expect(after.length).toBeLessThanOrEqual(2);
      expect(after[0]!.sentAt).toBeGreaterThanOrEqual(told!.sentAt + expiresIn);
      if (after.length === 2) {
        const early = after[0]!.result;
        if (early.acquired) throw new Error('unreachable');
        expect(early.expiresIn).toBeLessThanOrEqual((told!.answeredAt - told!.sentAt) / 2);
      }
    }

    it('the attempt after that news is sent once the lease has ended, and takes the lock', async () => {
      // A ttl long enough that the waiter's first two attempts find it held on a loaded host.
      const holder = await engines
        .create()
        .acquire('wait:exact', { ttl: 1_500, autoExtend: false });
      const { engine, attempts, finely } = await recordingWaiter();
      const options = { ttl: 5_000, waitTimeout: 20_000, retryDelay: LONG_RETRY_DELAY };
      const lock = await beforeBackoff(engine.acquire('wait:exact', options));
      expect(lock).not.toBe('backoff');
      expect((lock as Lock).fence).toBeGreaterThan(holder.fence);
      await (lock as Lock).release();
      if (finely) expectWokenByTheLeaseEnd(attempts);
    });

    it('a backoff wake-up due shortly before that end moves to it', async () => {
      // With no jitter, the third attempt's backoff is 1 000 ms. The lease ends up to 1 400 ms
      // after the second attempt, within that backoff plus FAIR_REFRESH_MS (500), so the waiter
      // sleeps to the end instead. (Should the host take 400 ms or more to get there, the end
      // comes before the backoff anyway; the checks hold either way.)
      jest.spyOn(Math, 'random').mockReturnValue(0);
      defer(() => jest.restoreAllMocks());
      await engines.create().acquire('wait:moved', { ttl: 1_400, autoExtend: false });
      const { engine, attempts, finely } = await recordingWaiter();
      const options = { ttl: 5_000, waitTimeout: 20_000, retryDelay: 2_000 };
      await (await engine.acquire('wait:moved', options)).release();
      if (finely) expectWokenByTheLeaseEnd(attempts);
    });
  });
});
