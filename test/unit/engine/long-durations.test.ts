import { LockEngine, LockStoreError, MemoryLockStore } from '../../../src';
import { ScriptedStore } from '../../support/scripted-store';

const DAY = 86_400_000;
/** Node fires a longer timer after 1 ms (and so does the fake clock). */
const MAX_TIMER_MS = 2 ** 31 - 1;

describe('durations beyond Node’s 24.8-day timer limit (fake clock)', () => {
  let inner: MemoryLockStore;
  let store: ScriptedStore;
  let engine: LockEngine;
  let setTimeoutSpy: jest.SpiedFunction<typeof setTimeout>;

  /** Every delay the engine asked a timer for. */
  const delays = (): number[] => setTimeoutSpy.mock.calls.map((call) => Number(call[1] ?? 0));

  beforeEach(() => {
    jest.useFakeTimers();
    // Records, and still runs, every timer (the fake clock's).
    setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    inner = new MemoryLockStore();
    store = new ScriptedStore(inner);
    engine = new LockEngine({ store, logger: { warn: () => {}, error: () => {} } });
  });
  afterEach(async () => {
    await engine.close();
    setTimeoutSpy.mockRestore();
    jest.useRealTimers();
  });

  it('renews a 90-day lock every 30 days, with no timer beyond the limit', async () => {
    const lock = await engine.acquire('k', { ttl: 90 * DAY });
    await jest.advanceTimersByTimeAsync(1_000);
    expect(Math.max(...delays())).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(store.calls.renewMany).toBe(0);
    await jest.advanceTimersByTimeAsync(100 * DAY);
    expect(store.calls.renewMany).toBe(3);
    expect(lock.held).toBe(true);
    expect(Math.max(...delays())).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it('loses a 40-day lock without renewal after 40 days, not before', async () => {
    const lock = await engine.acquire('k', { ttl: 40 * DAY, autoExtend: false });
    await jest.advanceTimersByTimeAsync(1_000);
    expect(Math.max(...delays())).toBeLessThanOrEqual(MAX_TIMER_MS);
    await jest.advanceTimersByTimeAsync(40 * DAY - 1_001);
    expect(lock.held).toBe(true);
    expect(Math.max(...delays())).toBeLessThanOrEqual(MAX_TIMER_MS);
    await jest.advanceTimersByTimeAsync(1);
    expect(lock.signal.aborted).toBe(true);
  });

  it('a long wait with a long backoff attempts once per wake-up, not in a loop', async () => {
    const holder = new LockEngine({ store: inner });
    await holder.acquire('k', { ttl: 40 * DAY, autoExtend: false });
    const options = { waitTimeout: 60 * DAY, retryDelay: 30 * DAY };
    const head = engine.acquire('k', options).catch((e: unknown) => e);
    const behind = engine.acquire('k', options).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(10_000);
    // Each caller's first attempt and the head's retry right after subscribing; then the head
    // sleeps for days (the one behind it never attempts while it is not the head).
    expect(store.calls.acquire).toBe(3);
    expect(Math.max(...delays())).toBeLessThanOrEqual(MAX_TIMER_MS);
    // The holder's lock expires after 40 days: the head wakes for it and takes the lock.
    await jest.advanceTimersByTimeAsync(40 * DAY);
    const lock = await head;
    expect(lock).toMatchObject({ held: true });
    expect(store.calls.acquire).toBeLessThanOrEqual(5);
    await engine.close();
    expect(await behind).toBeInstanceOf(Error);
    await holder.close();
  });

  it('bounds a store call by a storeTimeout of 30 days, not by 1 ms', async () => {
    store.hang('acquire');
    const settled = jest.fn<void, [unknown]>();
    const pending = engine.tryAcquire('k', { storeTimeout: 30 * DAY }).then(settled, settled);
    await jest.advanceTimersByTimeAsync(29 * DAY);
    expect(settled).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(DAY);
    await pending;
    expect(settled.mock.calls[0]?.[0]).toBeInstanceOf(LockStoreError);
    expect(Math.max(...delays())).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it('waits "forever" with waitTimeout: Number.MAX_SAFE_INTEGER', async () => {
    const holder = new LockEngine({ store: inner });
    const held = await holder.acquire('k', { ttl: 40 * DAY, autoExtend: false });
    const settled = jest.fn<void, [unknown]>();
    const waiting = engine.acquire('k', { waitTimeout: Number.MAX_SAFE_INTEGER });
    waiting.then(settled, settled);
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(settled).not.toHaveBeenCalled();
    await held.release();
    await jest.advanceTimersByTimeAsync(0);
    expect((await waiting).held).toBe(true);
    expect(Math.max(...delays())).toBeLessThanOrEqual(MAX_TIMER_MS);
    await holder.close();
  });

  it('takes a claim for a year (a claim is never a timer)', async () => {
    const claim = await engine.claim('yearly', { ttl: 366 * DAY });
    expect(typeof claim?.fence).toBe('number');
    expect((await inner.inspect('lw:{yearly}'))?.ttl).toBe(366 * DAY);
    expect(delays().filter((ms) => ms > MAX_TIMER_MS)).toEqual([]);
  });
});
