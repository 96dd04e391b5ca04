import { LockEngine, LockStoreError, MemoryLockStore, type LockStore } from '../../../src';
import { ScriptedStore, storeOver } from '../../support/scripted-store';

/** A store whose acquire answers only after `delayMs` (as a stalled Redis connection would). */
function slowAcquire(inner: MemoryLockStore, delayMs: number): LockStore {
  return storeOver(inner, {
    acquire: (...args) =>
      new Promise((resolve) => setTimeout(resolve, delayMs)).then(() => inner.acquire(...args)),
  });
}

describe('a store that does not answer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fails an attempt after storeTimeout (2 s by default), long before waitTimeout', async () => {
    const store = new ScriptedStore(new MemoryLockStore());
    store.hang('acquire');
    const engine = new LockEngine({ store });
    const settled = jest.fn<void, [unknown]>();
    const pending = engine.acquire('k', { waitTimeout: 10_000 }).catch((e: unknown) => {
      settled(e);
    });
    await jest.advanceTimersByTimeAsync(1_999);
    expect(settled).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    await pending;
    const error = settled.mock.calls[0]?.[0] as LockStoreError;
    expect(error).toBeInstanceOf(LockStoreError);
    expect(error.message).toBe(
      'Lock store did not answer within 2000 ms (storeTimeout) during acquire of "k".',
    );
    expect((error.cause as Error).message).toBe('no reply within 2000 ms');
    expect(store.calls.acquire).toBe(1);
    await engine.close();
  });

  it('gives an attempt its whole storeTimeout even when waitTimeout is shorter', async () => {
    const store = new ScriptedStore(new MemoryLockStore());
    store.hang('acquire');
    const engine = new LockEngine({ store, storeTimeout: 1_000 });
    const settled = jest.fn<void, [unknown]>();
    const pending = engine.acquire('k', { waitTimeout: 10 }).catch((e: unknown) => {
      settled(e);
    });
    await jest.advanceTimersByTimeAsync(999);
    expect(settled).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    await pending;
    expect((settled.mock.calls[0]?.[0] as Error).message).toMatch(
      /^Lock store did not answer within 1000 ms/,
    );
    await engine.close();
  });

  it('stops at once when the signal aborts during a hanging attempt', async () => {
    const store = new ScriptedStore(new MemoryLockStore());
    store.hang('acquire');
    const engine = new LockEngine({ store });
    const controller = new AbortController();
    const result = engine.acquire('k', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('shutting down'));
    expect(((await result) as Error).message).toBe('shutting down');
    await engine.close();
  });

  it('releases a lock that was granted after the caller stopped waiting', async () => {
    const inner = new MemoryLockStore();
    const engine = new LockEngine({ store: slowAcquire(inner, 5_000) });
    const result = engine.acquire('k', { waitTimeout: 1_000 }).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(await result).toBeInstanceOf(LockStoreError);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(await inner.inspect('lw:{k}')).toBeNull();
    expect(engine.heldCount).toBe(0);
    await engine.close();
  });
});
