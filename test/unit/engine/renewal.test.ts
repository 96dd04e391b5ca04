import {
  LockEngine,
  LockLostError,
  LockNotHeldError,
  LockStoreError,
  MemoryLockStore,
  type LockErrorEvent,
  type LockLostEvent,
} from '../../../src';
import { ScriptedStore } from '../../support/scripted-store';

describe('auto-extension and loss (fake clock)', () => {
  let inner: MemoryLockStore;
  let store: ScriptedStore;
  let engine: LockEngine;
  const lost: LockLostEvent[] = [];
  const errors: LockErrorEvent[] = [];

  beforeEach(() => {
    jest.useFakeTimers();
    inner = new MemoryLockStore();
    store = new ScriptedStore(inner);
    engine = new LockEngine({ store });
    lost.length = 0;
    errors.length = 0;
    engine.on('lost', (e) => lost.push(e));
    engine.on('error', (e) => errors.push(e));
  });
  afterEach(async () => {
    await engine.close();
    jest.useRealTimers();
  });

  it('renews every ttl/3 and keeps the lock far past its ttl', async () => {
    const lock = await engine.acquire('k', { ttl: 900 });
    await jest.advanceTimersByTimeAsync(299);
    expect(store.calls.renewMany).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(store.calls.renewMany).toBe(1);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(store.calls.renewMany).toBeGreaterThanOrEqual(16);
    expect(lock.held).toBe(true);
    expect(lost).toEqual([]);
    expect((await inner.inspect('lw:{k}'))?.ttl).toBeGreaterThan(0);
    expect(lock.expiresAt).toBeGreaterThan(Date.now());
  });

  it('uses the given interval with autoExtend: { interval }', async () => {
    await engine.acquire('k', { ttl: 1_000, autoExtend: { interval: 100 } });
    await jest.advanceTimersByTimeAsync(1_000);
    expect(store.calls.renewMany).toBeGreaterThanOrEqual(9);
  });

  it('sends renewals that fall due together in one batch', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => engine.acquire(`k${i}`, { ttl: 3_000 })),
    );
    await jest.advanceTimersByTimeAsync(1_000);
    expect(store.batches).toEqual([50]);
  });

  it('keeps one renewal in flight per lock', async () => {
    const lock = await engine.acquire('k', { ttl: 3_000 });
    store.hang('renewMany');
    await jest.advanceTimersByTimeAsync(2_900);
    expect(store.calls.renewMany).toBe(1);
    expect(lock.held).toBe(true);
  });

  it('loses the lock when its deadline passes with a renewal unanswered', async () => {
    const lock = await engine.acquire('k', { ttl: 3_000 });
    store.hang('renewMany');
    await jest.advanceTimersByTimeAsync(2_999);
    expect(lock.held).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(lock.held).toBe(false);
    expect(lock.signal.aborted).toBe(true);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
    expect((lock.signal.reason as Error).message).toBe(
      'Lock "k" was lost: no renewal was confirmed before its local deadline (ttl 3000 ms).',
    );
    expect(lost.map((e) => e.key)).toEqual(['k']);
    expect(lost[0]?.error).toBe(lock.signal.reason);
  });

  it('loses the lock at once when a renewal finds it taken over', async () => {
    const lock = await engine.acquire('k', { ttl: 3_000 });
    await inner.forceRelease('lw:{k}');
    await inner.acquire('lw:{k}', 'someone-else', 60_000);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(lock.held).toBe(false);
    expect((lock.signal.reason as Error).message).toBe(
      'Lock "k" was lost: a renewal found it no longer held by this owner (expired or taken over).',
    );
    expect(await lock.release()).toBe(false);
    expect(await inner.inspect('lw:{k}')).not.toBeNull();
  });

  it('reports failed renewals as error events, retries, and recovers without losing the lock', async () => {
    const lock = await engine.acquire('k', { ttl: 3_000 });
    store.fail('renewMany', new Error('ECONNRESET'));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]?.operation).toBe('renew');
    expect(errors[0]?.error).toBeInstanceOf(LockStoreError);
    expect(errors[0]?.error.message).toBe('Lock store failed during renew of "k": ECONNRESET');
    expect((errors[0]?.error.cause as Error).message).toBe('ECONNRESET');
    store.heal();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(lock.held).toBe(true);
    expect(lost).toEqual([]);
  });

  it('loses the lock when renewals keep failing past the deadline, without throwing', async () => {
    const lock = await engine.acquire('k', { ttl: 1_500 });
    store.fail('renewMany');
    await jest.advanceTimersByTimeAsync(1_600);
    expect(lock.held).toBe(false);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
  });

  it('without autoExtend the lock is lost when its ttl runs out', async () => {
    const lock = await engine.acquire('k', { ttl: 500, autoExtend: false });
    await jest.advanceTimersByTimeAsync(499);
    expect(store.calls.renewMany).toBe(0);
    expect(lock.held).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(lock.held).toBe(false);
    expect((lock.signal.reason as Error).message).toBe(
      'Lock "k" was lost: its ttl of 500 ms ran out (autoExtend is off).',
    );
  });

  it('extend() renews now with a new ttl and moves the deadline', async () => {
    const lock = await engine.acquire('k', { ttl: 1_000, autoExtend: false });
    await lock.extend(10_000);
    expect(lock.expiresAt).toBe(Date.now() + 10_000);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(lock.held).toBe(true);
    expect((await inner.inspect('lw:{k}'))?.ttl).toBe(5_000);
  });

  it('extend() after release throws LockNotHeldError; after loss LockLostError', async () => {
    const lock = await engine.acquire('k');
    await lock.release();
    await expect(lock.extend()).rejects.toThrow(
      new LockNotHeldError('Cannot extend lock "k": it is no longer held (released).'),
    );
    const second = await engine.acquire('k2', { ttl: 5_000 });
    await inner.forceRelease('lw:{k2}');
    await expect(second.extend()).rejects.toThrow(
      new LockLostError(
        'Lock "k2" was lost: the store no longer has it under this owner (expired or taken over).',
      ),
    );
    expect(second.signal.reason).toBeInstanceOf(LockLostError);
    await expect(second.extend()).rejects.toThrow(
      new LockNotHeldError('Cannot extend lock "k2": it is lost.'),
    );
  });

  it('emits extended events with the new expiry', async () => {
    const extended: number[] = [];
    engine.on('extended', (e) => extended.push(e.expiresAt));
    await engine.acquire('k', { ttl: 900 });
    await jest.advanceTimersByTimeAsync(650);
    expect(extended).toHaveLength(2);
    expect(extended[1]).toBeGreaterThan(extended[0]!);
  });

  it('stops renewing after release and after close', async () => {
    const lock = await engine.acquire('k', { ttl: 900 });
    await lock.release();
    await engine.acquire('j', { ttl: 900 });
    await engine.close();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(store.calls.renewMany).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
