import { LockEngine, LockTimeoutError, MemoryLockStore } from '../../../src';
import { ScriptedStore } from '../../support/scripted-store';

describe('retryCount: N means exactly N + 1 attempts', () => {
  it.each([0, 1, 2, 5])('retryCount %i', async (retryCount) => {
    const inner = new MemoryLockStore();
    const holder = new LockEngine({ store: inner });
    await holder.acquire('k', { ttl: 60_000 });
    const store = new ScriptedStore(inner);
    const engine = new LockEngine({ store });
    const error = await engine
      .acquire('k', { retryCount, retryDelay: 1, waitTimeout: 60_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toBe(
      `Timed out acquiring lock "k": still held by another owner after ${retryCount + 1} attempts (retryCount ${retryCount}).`,
    );
    expect(store.calls.acquire).toBe(retryCount + 1);
    await engine.close();
    await holder.close();
  });

  it('counts a fair waiter that gives up after its first attempt out of the queue', async () => {
    const inner = new MemoryLockStore();
    const holder = new LockEngine({ store: inner });
    const held = await holder.acquire('k', { ttl: 60_000 });
    const store = new ScriptedStore(inner);
    const engine = new LockEngine({ store });
    await expect(engine.acquire('k', { retryCount: 0, fair: true })).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
    expect(store.calls.acquire).toBe(1);
    expect(store.calls.dequeue).toBe(1);
    // It left the queue: a plain newcomer is not held behind it once the lock is free.
    await held.release();
    expect(await holder.tryAcquire('k')).not.toBeNull();
    await engine.close();
    await holder.close();
  });
});
