import { LockEngine, LockStoreError, MemoryLockStore, type Lock } from '../../../src';
import type { StoreGrant } from '../../../src';
import { Probe, queuedAndQuiet } from '../../support/grant-probe';
import { waitUntil } from '../../support/wait-until';

const KEY = 'k';
const STORE_KEY = 'lw:{k}';

describe('acquisition: a release grants the lock to the waiting head (memory store)', () => {
  let shared: MemoryLockStore;
  let engines: LockEngine[];
  const engine = (fair = false): { engine: LockEngine; probe: Probe } => {
    const probe = new Probe(shared);
    const made = new LockEngine({
      store: probe,
      // A long backoff: between the tests' steps, waiters make no attempt of their own accord.
      defaults: { waitTimeout: 10_000, ttl: 10_000, fair, retryDelay: 5_000 },
    });
    engines.push(made);
    return { engine: made, probe };
  };

  /** A wait the test may leave pending when it fails: closing the engine then rejects it. */
  const track = <T>(wait: Promise<T>): Promise<T> => {
    wait.catch(() => undefined);
    return wait;
  };

  beforeEach(() => {
    shared = new MemoryLockStore();
    engines = [];
  });
  afterEach(() => Promise.all(engines.map((e) => e.close())));

  it.each([
    ['default', false],
    ['fair', true],
  ])(
    '%s mode: the waiting acquire is resolved by the grant, with no attempt after the release',
    async (_mode, fair) => {
      const a = engine(fair);
      const b = engine(fair);
      const held = await a.engine.acquire(KEY);
      const events: Array<{ fence: number; ticket?: number }> = [];
      b.engine.on('acquired', (event) => events.push(event));
      const waiting = track(b.engine.acquire(KEY));
      await queuedAndQuiet(b.probe);
      const attemptsBefore = b.probe.acquires.length;

      await held.release();
      const lock = await waiting;

      expect(b.probe.acquires).toHaveLength(attemptsBefore); // the grant needed no attempt
      expect(b.probe.heard).toEqual([
        { next: lock.token, grant: expect.objectContaining({ fence: lock.fence }) as StoreGrant },
      ]);
      expect(lock.fence).toBeGreaterThan(held.fence);
      expect((await shared.inspect(STORE_KEY))?.fence).toBe(lock.fence);
      expect(events).toHaveLength(1);
      expect(events[0]!.fence).toBe(lock.fence);
      expect(events[0]!.ticket).toEqual(expect.any(Number));
      await lock.release();
      expect(await shared.inspect(STORE_KEY)).toBeNull();
    },
  );

  it('a grant shorter than the lease (the waiter ttl) is extended to the lease ttl, also without autoExtend', async () => {
    const a = engine(true);
    const b = engine(true);
    const held = await a.engine.acquire(KEY);
    const waiting = track(b.engine.acquire(KEY, { ttl: 60_000, autoExtend: false }));
    await queuedAndQuiet(b.probe);
    await held.release();
    const lock = await waiting;
    // The store keeps the grant no longer than b's place in the queue (its waiter ttl, 2 s) ...
    const grant = b.probe.heard[0]!.grant!;
    expect(grant.ttl).toBeLessThanOrEqual(2_000);
    expect(lock.expiresAt).toBeLessThanOrEqual(Date.now() + 2_000);
    // ... and the holder extends it to its own ttl before it runs out: still held past it.
    await waitUntil(
      'the grant extended to the lease ttl',
      () => lock.expiresAt > Date.now() + 10_000,
    );
    expect((await shared.inspect(STORE_KEY))!.ttl).toBeGreaterThan(10_000);
    expect(lock.held).toBe(true);
    await lock.release();
    expect(await shared.inspect(STORE_KEY)).toBeNull();
  });

  it('hands the lock on to the next local waiter by grant too (it queues while the lock is held)', async () => {
    const a = engine();
    const b = engine();
    const held = await a.engine.acquire(KEY);
    const first = track(b.engine.acquire(KEY));
    const second = track(b.engine.acquire(KEY));
    await queuedAndQuiet(b.probe);
    await held.release();
    const one = await first;
    // The next local head is in the store's queue while `one` holds the lock (it joined with its
    // own first attempt, or joins now that it is the head: two queued attempts either way) ...
    await queuedAndQuiet(b.probe, 2);
    const attempts = b.probe.acquires.length;
    await one.release();
    const two = await second;
    // ... so `one`'s release granted it the lock: no attempt after the release.
    expect(b.probe.acquires).toHaveLength(attempts);
    expect(two.fence).toBeGreaterThan(one.fence);
    expect((await shared.inspect(STORE_KEY))?.fence).toBe(two.fence);
    await two.release();
  });

  it('a waiter whose registering attempt fails was never in the store queue: no dequeue on its way out', async () => {
    const a = engine();
    const b = engine();
    const held = await a.engine.acquire(KEY);
    const first = track(b.engine.acquire(KEY));
    await queuedAndQuiet(b.probe);
    // `first` is b's head, in the store's queue; `second` waits behind it locally, not there.
    const second = track(b.engine.acquire(KEY));
    const attempts = b.probe.acquires.length;
    b.probe.failAcquire = true;
    await held.release();
    const one = await first; // granted: no attempt needed
    // Now b's head, `second` tries to join the store's queue, and the store fails.
    await expect(second).rejects.toThrow(LockStoreError);
    expect(b.probe.acquires).toHaveLength(attempts + 1);
    expect(b.probe.dequeued).toEqual([]);
    b.probe.failAcquire = false;
    await one.release();
  });

  it('gives back a grant that reaches a waiter after it gave up, and the next waiter gets it', async () => {
    const a = engine();
    const b = engine();
    const c = engine();
    const held = await a.engine.acquire(KEY);
    const controller = new AbortController();
    const reason = new Error('gave up');
    const gaveUp = b.engine.acquire(KEY, { signal: controller.signal }).then(
      () => new Error('b acquired'),
      (error: unknown) => error,
    );
    await queuedAndQuiet(b.probe);
    const next = track(c.engine.acquire(KEY));
    await queuedAndQuiet(c.probe);
    // B misses the grant's message, so it is granted the lock but never takes it ...
    b.probe.deaf = true;
    await held.release();
    const granted = await shared.inspect(STORE_KEY);
    expect(granted?.fence).toBeGreaterThan(held.fence);
    // ... then gives up: leaving releases the grant, and C is granted the lock.
    controller.abort(reason);
    expect(await gaveUp).toBe(reason);
    const lock = await next;
    expect(lock.fence).toBeGreaterThan(granted!.fence);
    expect((await shared.inspect(STORE_KEY))?.fence).toBe(lock.fence);
    await lock.release();
    expect(await shared.inspect(STORE_KEY)).toBeNull(); // nothing left locked
  });

  it('gives back a grant announced for a waiter whose leaving the store never heard', async () => {
    const a = engine();
    const b = engine();
    const c = engine();
    const errors: unknown[] = [];
    b.engine.on('error', (event) => errors.push(event.operation));
    const held = await a.engine.acquire(KEY);
    const controller = new AbortController();
    const gaveUp = b.engine.acquire(KEY, { signal: controller.signal }).catch(() => 'gave up');
    await queuedAndQuiet(b.probe);
    const next = track(c.engine.acquire(KEY));
    await queuedAndQuiet(c.probe);
    b.probe.failDequeue = true;
    controller.abort();
    expect(await gaveUp).toBe('gave up');
    expect(errors).toEqual(['dequeue']); // B is still in the store's queue, at its head
    await held.release(); // granted to B; B's engine hears it and gives it back
    const lock = await next;
    // B heard its own grant, gave it back, and heard the grant to C.
    expect(b.probe.heard.map((m) => [m.next === lock.token, m.grant !== undefined])).toEqual([
      [false, true],
      [true, true],
    ]);
    expect((await shared.inspect(STORE_KEY))?.fence).toBe(lock.fence);
    await lock.release();
    expect(await shared.inspect(STORE_KEY)).toBeNull();
  });

  it('releases a grant for a waiter whose engine closed while it waited', async () => {
    const a = engine();
    const b = engine();
    const c = engine();
    const held = await a.engine.acquire(KEY);
    const closing = b.engine.acquire(KEY).catch((error: unknown) => error);
    await queuedAndQuiet(b.probe);
    const next = track(c.engine.acquire(KEY));
    await queuedAndQuiet(c.probe);
    b.probe.deaf = true;
    await held.release(); // granted to B, which does not hear it
    await b.engine.close();
    expect(await closing).toBeInstanceOf(Error);
    const lock = await next;
    expect((await shared.inspect(STORE_KEY))?.fence).toBe(lock.fence);
    await lock.release();
    expect(await shared.inspect(STORE_KEY)).toBeNull();
  });

  it('gets the lease by its next attempt when the grant message is lost', async () => {
    const a = engine();
    // Fair: its next attempt is its queue refresh (within 500 ms), inside the grant, which the
    // store keeps as long as b's place in the queue would have lasted (2 s from its last attempt).
    const b = engine(true);
    const held = await a.engine.acquire(KEY);
    const waiting = track(b.engine.acquire(KEY));
    await queuedAndQuiet(b.probe);
    b.probe.deaf = true;
    await held.release();
    const granted = await shared.inspect(STORE_KEY);
    const lock = await waiting; // its queue refresh (within 500 ms) finds it holds the lock
    expect(b.probe.heard).toEqual([]);
    expect(lock.fence).toBe(granted!.fence);
    const last = b.probe.acquires.at(-1)!;
    expect(last.result).toMatchObject({ acquired: true, fence: granted!.fence });
    // The lease is counted from that attempt, which restarted the store's ttl.
    expect(lock.expiresAt).toBeLessThanOrEqual(last.sentAt + 10_000);
    await lock.release();
    expect(await shared.inspect(STORE_KEY)).toBeNull();
  });

  it("never sets the lease's local expiry later than the store's, whatever the store's clock says", async () => {
    // The store's clock is 1 h ahead of ours, and every queued reply takes 30 ms to arrive.
    const offset = 3_600_000;
    shared = new MemoryLockStore({ clock: () => Date.now() + offset });
    const a = engine();
    const b = engine();
    const slow = b.probe.acquire.bind(b.probe);
    b.probe.acquire = async (...args) => {
      const result = await slow(...args);
      await new Promise((r) => setTimeout(r, 30));
      return result;
    };
    const held = await a.engine.acquire(KEY);
    const waiting = track(b.engine.acquire(KEY, { ttl: 5_000 }));
    await queuedAndQuiet(b.probe);
    await new Promise((r) => setTimeout(r, 40)); // the queued reply has arrived
    const grantedAt = Date.now(); // by our clock, just before the store grants
    await held.release();
    const lock = await waiting;
    const info = await shared.inspect(STORE_KEY);
    const storeExpiry = Date.now() + info!.ttl; // the store's expiry, in our clock
    expect(lock.expiresAt).toBeLessThanOrEqual(storeExpiry);
    expect(lock.expiresAt).toBeLessThanOrEqual(grantedAt + 5_000 + 1);
    // ... and not absurdly early: the last queued attempt was sent before the grant, which the
    // store keeps for the lease's ttl or, if shorter, what remained of b's place in the queue.
    const queued = b.probe.acquires.filter((x) => x.result && !x.result.acquired).at(-1)!;
    const grantTtl = b.probe.heard[0]!.grant!.ttl ?? 5_000;
    expect(lock.expiresAt).toBeGreaterThanOrEqual(queued.sentAt + grantTtl);
    await lock.release();
  });

  it('keeps single attempts out of the queue: tryAcquire fails while the lock is granted', async () => {
    const a = engine();
    const b = engine();
    const c = engine();
    const held = await a.engine.acquire(KEY);
    const waiting = track(b.engine.acquire(KEY));
    await queuedAndQuiet(b.probe);
    b.probe.deaf = true;
    await held.release(); // granted to B
    expect(await c.engine.tryAcquire(KEY)).toBeNull();
    expect(c.probe.acquires.at(-1)!.result).toMatchObject({ acquired: false });
    expect(c.probe.acquires.at(-1)!.result).not.toHaveProperty('queued', true);
    b.probe.deaf = false;
    const lock: Lock = await waiting;
    await lock.release();
  });
});
