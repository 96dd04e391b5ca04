import { LockEngine, MemoryLockStore } from '../../../src';
import { ScriptedStore } from '../../support/scripted-store';

/** A waiter on an engine over a counted store, behind a holder of `ttl` ms that never renews. */
async function waiterBehind(ttl: number, options: { retryDelay: number; waitTimeout: number }) {
  const inner = new MemoryLockStore();
  await inner.acquire('lw:{k}', 'crashed-holder', ttl);
  const store = new ScriptedStore(inner);
  const engine = new LockEngine({ store, prefix: 'lw' });
  const waiting = engine.acquire('k', options);
  await jest.advanceTimersByTimeAsync(0);
  return { store, engine, waiting, attemptsWhileHeld: store.calls.acquire };
}

describe('a waiter wakes when the holder’s lock expires (fake clock)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('takes a crashed holder’s lock in the very ms it expires, not a backoff or a ms later', async () => {
    const store = new MemoryLockStore();
    const engine = new LockEngine({ store, prefix: 'lw' });
    // The "crashed" holder: a token nobody will release or renew.
    await store.acquire('lw:{k}', 'crashed-holder', 300);
    const takenAt: number[] = [];
    const start = Date.now();
    // A long backoff, so only the holder's remaining ttl can wake the waiter in time.
    const waiting = engine.acquire('k', { retryDelay: 5_000, waitTimeout: 10_000 }).then((lock) => {
      takenAt.push(Date.now() - start);
      return lock;
    });
    await jest.advanceTimersByTimeAsync(299);
    expect(takenAt).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(takenAt).toEqual([300]);
    await (await waiting).release();
    await engine.close();
  });

  it('a timer that fires before the expiry by the wall clock sleeps the rest instead of attempting', async () => {
    const { store, engine, waiting, attemptsWhileHeld } = await waiterBehind(50, {
      retryDelay: 5_000,
      waitTimeout: 10_000,
    });
    // The event loop's clock runs 1 ms ahead of Date.now(), as its whole-ms clock can: the
    // waiter's timer fires when Date.now() still reads 1 ms before the expiry.
    jest.setSystemTime(Date.now() - 1);
    await jest.advanceTimersByTimeAsync(50);
    expect(store.calls.acquire).toBe(attemptsWhileHeld);
    await jest.advanceTimersByTimeAsync(1);
    expect((await waiting).held).toBe(true);
    expect(store.calls.acquire).toBe(attemptsWhileHeld + 1);
    await engine.close();
  });

  it('a wall clock stepped back does not stretch a sleep (the timer still ends it)', async () => {
    const { store, engine, waiting, attemptsWhileHeld } = await waiterBehind(600_000, {
      retryDelay: 1_000,
      waitTimeout: 600_000,
    });
    const gaveUp = waiting.catch(() => null);
    jest.setSystemTime(Date.now() - 60_000);
    // The backoff (1 s, with jitter) ends by the timer, not by a wall clock that has to catch up.
    await jest.advanceTimersByTimeAsync(3_000);
    expect(store.calls.acquire).toBeGreaterThan(attemptsWhileHeld);
    await engine.close();
    await gaveUp;
  });
});
