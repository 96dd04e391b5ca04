import { LockConfigError, LockEngine, LockTimeoutError, MemoryLockStore } from '../../../src';
import { ScriptedStore, storeOver } from '../../support/scripted-store';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** Resolves after `engine` has seen `count` more failed attempts. */
function contended(engine: LockEngine, count = 1): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = () => {
      if (++seen < count) return;
      engine.off('contended', listener);
      resolve();
    };
    engine.on('contended', listener);
  });
}

describe('fair locks (engine, memory store)', () => {
  let store: ScriptedStore;
  let engines: LockEngine[];
  const engine = (): LockEngine => {
    const e = new LockEngine({ store, defaults: { waitTimeout: 10_000 } });
    engines.push(e);
    return e;
  };

  beforeEach(() => {
    store = new ScriptedStore(new MemoryLockStore());
    engines = [];
  });
  afterEach(() => Promise.all(engines.map((e) => e.close())));

  it('hands the lock over in the order waiters started waiting, across engines', async () => {
    const holderEngine = engine();
    const holder = await holderEngine.acquire('k');
    const order: string[] = [];
    const tickets: number[] = [];
    const waiting: Array<Promise<void>> = [];
    // Five "processes", each queueing once the previous one has queued.
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      const e = engine();
      e.on('acquired', (event) => tickets.push(event.ticket ?? -1));
      const queued = contended(e);
      waiting.push(
        e.withLock(
          'k',
          async () => {
            order.push(name);
            await tick();
          },
          { fair: true },
        ),
      );
      await queued;
    }
    await holder.release();
    await Promise.all(waiting);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(tickets).toEqual([...tickets].sort((x, y) => x - y));
    expect(tickets.every((t) => t > 0)).toBe(true);
  });

  it('interleaves the waiters of two engines in the order they queued', async () => {
    const holder = await engine().acquire('k');
    const [a, b] = [engine(), engine()];
    const order: string[] = [];
    const waiting: Array<Promise<void>> = [];
    // Each engine's local queue alone would run a1, a2 together; the store's queue must not.
    for (const [name, e] of [
      ['a1', a],
      ['b1', b],
      ['a2', a],
      ['b2', b],
    ] as const) {
      const queued = contended(e);
      waiting.push(e.withLock('k', () => void order.push(name), { fair: true }));
      await queued;
    }
    await holder.release();
    await Promise.all(waiting);
    expect(order).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('a waiter that times out leaves the queue at once, so the next one is not held up', async () => {
    const holder = await engine().acquire('k');
    const quitter = engine();
    const patient = engine();
    const queued = contended(quitter);
    const giveUp = quitter.acquire('k', { fair: true, waitTimeout: 50 });
    await queued;
    const next = patient.acquire('k', { fair: true });
    await expect(giveUp).rejects.toBeInstanceOf(LockTimeoutError);
    await tick();
    expect(store.calls.dequeue).toBe(1);
    await holder.release();
    const lock = await next;
    expect(lock.held).toBe(true);
  });

  it('a waiter whose signal aborts has left the queue when the caller hears of it', async () => {
    const inner = new MemoryLockStore();
    // dequeue answers a little later, as a round trip to Redis would.
    const remote = storeOver(inner, {
      onRelease: (...a) => inner.onRelease(...a),
      dequeue: (key, owner) => tick(20).then(() => inner.dequeue(key, owner)),
    });
    const e = new LockEngine({ store: inner });
    engines.push(e);
    const other = new LockEngine({ store: remote });
    engines.push(other);
    const holder = await e.acquire('k');
    const controller = new AbortController();
    const queued = contended(other);
    const waiting = other.acquire('k', { fair: true, signal: controller.signal });
    await queued;
    const sizeQueued = inner.size;
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    // The queue entry is already gone when the caller hears of it (lock + fence memo remain).
    expect(inner.size).toBe(sizeQueued - 1);
    await holder.release();
  });

  it('plain and fair waiters on one key all finish (no deadlock, no starvation)', async () => {
    const done: string[] = [];
    const loops = ['fair-1', 'plain-1', 'fair-2', 'plain-2'].map(async (name) => {
      const e = engine();
      for (let i = 0; i < 5; i++) {
        await e.withLock('k', () => tick(1), { fair: name.startsWith('fair') });
      }
      done.push(name);
    });
    await Promise.all(loops);
    expect(done.sort()).toEqual(['fair-1', 'fair-2', 'plain-1', 'plain-2']);
  });

  it('tryAcquire with fair does not join the queue', async () => {
    const inner = new MemoryLockStore();
    const e = new LockEngine({ store: inner });
    engines.push(e);
    const holder = await e.acquire('k');
    const before = inner.size;
    expect(await e.tryAcquire('k', { fair: true })).toBeNull();
    expect(inner.size).toBe(before);
    await holder.release();
  });

  it('refuses fair mode on a store without a queue', async () => {
    const plainStore = storeOver(new MemoryLockStore());
    const e = new LockEngine({ store: plainStore });
    engines.push(e);
    await expect(e.acquire('k', { fair: true })).rejects.toThrow(
      new LockConfigError(
        'Lock "k": option "fair" needs a store with a fair queue (RedisLockStore, MemoryLockStore); this store has no dequeue().',
      ),
    );
  });

  it('validates the fair option', async () => {
    await expect(engine().acquire('k', { fair: 'yes' as never })).rejects.toThrow(
      new LockConfigError(
        'LockEngine.acquire("k"): option "fair" must be true or false, got "yes".',
      ),
    );
  });
});
