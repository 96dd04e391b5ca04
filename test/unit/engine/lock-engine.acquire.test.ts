import { hostname } from 'node:os';
import {
  LockBusyError,
  LockConfigError,
  LockEngine,
  LockLostError,
  LockTimeoutError,
  MemoryLockStore,
  type Lock,
} from '../../../src';
import { ScriptedStore } from '../../support/scripted-store';

describe('LockEngine acquire / tryAcquire / release', () => {
  let store: ScriptedStore;
  let engine: LockEngine;

  beforeEach(() => {
    store = new ScriptedStore(new MemoryLockStore());
    engine = new LockEngine({ store, prefix: 'lw' });
  });
  afterEach(() => engine.close());

  it('acquires a free key in one store call and releases it in one more', async () => {
    const lock = await engine.acquire('orders:42', { ttl: 10_000 });
    expect(lock.key).toBe('orders:42');
    expect(lock.held).toBe(true);
    expect(Number.isSafeInteger(lock.fence)).toBe(true);
    expect(lock.expiresAt).toBeGreaterThan(Date.now());
    expect(lock.signal.aborted).toBe(false);
    expect(store.calls.acquire).toBe(1);
    expect(await lock.release()).toBe(true);
    expect(store.calls.release).toBe(1);
    expect(lock.held).toBe(false);
    expect(lock.signal.aborted).toBe(true);
    expect((lock.signal.reason as Error).name).toBe('AbortError');
    expect(await engine.isLocked('orders:42')).toBe(false);
  });

  it('wraps the key in a hash tag under the prefix', async () => {
    const inner = new MemoryLockStore();
    const e = new LockEngine({ store: inner, prefix: 'app' });
    await e.acquire('orders:42');
    expect(await inner.inspect('app:{orders:42}')).not.toBeNull();
    const bare = new LockEngine({ store: inner, prefix: '' });
    await bare.acquire('x');
    expect(await inner.inspect('{x}')).not.toBeNull();
    await Promise.all([e.close(), bare.close()]);
  });

  it('uses a fresh 128-bit owner token per acquisition', async () => {
    const a = await engine.acquire('k');
    await a.release();
    const b = await engine.acquire('k');
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(16);
    expect(b.token).not.toBe(a.token);
    expect(b.fence).toBeGreaterThan(a.fence);
  });

  it('tryAcquire returns null after one attempt when busy', async () => {
    await engine.acquire('k');
    const other = new LockEngine({ store, prefix: 'lw' });
    const before = store.calls.acquire;
    expect(await other.tryAcquire('k')).toBeNull();
    expect(store.calls.acquire - before).toBe(1);
    await other.close();
  });

  it("onBusy: 'throw' rejects with LockBusyError after one attempt", async () => {
    await engine.acquire('k');
    const other = new LockEngine({ store });
    await expect(other.acquire('k', { onBusy: 'throw' })).rejects.toThrow(
      new LockBusyError('Lock "k" is busy (held by another owner).'),
    );
    const error = await other.acquire('k', { onBusy: 'throw' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockBusyError);
    expect((error as LockBusyError).code).toBe('LOCK_BUSY');
    expect((error as LockBusyError).key).toBe('k');
    await other.close();
  });

  it('waitTimeout 0 makes one attempt and rejects with LockTimeoutError', async () => {
    await engine.acquire('k');
    const other = new LockEngine({ store });
    const before = store.calls.acquire;
    await expect(other.acquire('k', { waitTimeout: 0 })).rejects.toThrow(
      new LockTimeoutError(
        'Timed out acquiring lock "k": it is held by another owner and waitTimeout is 0.',
      ),
    );
    expect(store.calls.acquire - before).toBe(1);
    await other.close();
  });

  it('times out after waitTimeout with LockTimeoutError, not busy', async () => {
    await engine.acquire('k', { ttl: 60_000 });
    const other = new LockEngine({ store });
    const error = await other
      .acquire('k', { waitTimeout: 120, retryDelay: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toMatch(
      /^Timed out acquiring lock "k": still held by another owner after waiting \d+ ms \(waitTimeout 120 ms\)\.$/,
    );
    await other.close();
  });

  it('gives up after retryCount retries', async () => {
    await engine.acquire('k', { ttl: 60_000 });
    const other = new LockEngine({ store });
    const before = store.calls.acquire;
    await expect(
      other.acquire('k', { retryCount: 2, retryDelay: 1, waitTimeout: 60_000 }),
    ).rejects.toThrow(
      new LockTimeoutError(
        'Timed out acquiring lock "k": still held by another owner after 3 attempts (retryCount 2).',
      ),
    );
    expect(store.calls.acquire - before).toBe(3);
    await other.close();
  });

  it('waits for a release and gets the lock with a higher fence', async () => {
    const first = await engine.acquire('k');
    const other = new LockEngine({ store });
    const waiting = other.acquire('k', { waitTimeout: 5_000, retryDelay: 60_000 });
    await new Promise((r) => setTimeout(r, 20));
    await first.release();
    const second = await waiting;
    expect(second.fence).toBeGreaterThan(first.fence);
    await other.close();
  });

  it("sleeps only the holder's remaining ttl when the holder dies", async () => {
    const inner = new MemoryLockStore();
    // A holder that never renews and never releases: as if its process died.
    await inner.acquire('lw:{k}', 'dead-owner', 80);
    const counted = new ScriptedStore(inner);
    const e = new LockEngine({ store: counted });
    const lock = await e.acquire('k', { retryDelay: 60_000, waitTimeout: 5_000 });
    expect(lock.held).toBe(true);
    // First attempt, the retry after subscribing, then one after the remaining ttl.
    expect(counted.calls.acquire).toBeLessThanOrEqual(3);
    await e.close();
  });

  it('rejects with the signal reason when aborted while waiting, and leaves nothing behind', async () => {
    await engine.acquire('k', { ttl: 60_000 });
    const other = new LockEngine({ store });
    const controller = new AbortController();
    const waiting = other.acquire('k', { signal: controller.signal, waitTimeout: 60_000 });
    setTimeout(() => controller.abort(new Error('user gave up')), 20);
    await expect(waiting).rejects.toThrow('user gave up');
    expect(other.heldCount).toBe(0);
    await other.close();
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(engine.acquire('k', { signal: controller.signal })).rejects.toThrow('too late');
    expect(store.calls.acquire).toBe(0);
  });

  it('inspect shows ttl, fence, holds and default metadata, never the token', async () => {
    const lock = await engine.acquire('k', { ttl: 5_000 });
    const info = await engine.inspect('k');
    expect(info).toEqual({
      ttl: expect.any(Number) as number,
      fence: lock.fence,
      holds: 1,
      metadata: `${hostname()}:${process.pid}`,
    });
    expect(JSON.stringify(info)).not.toContain(lock.token);
    await lock.release();
    await engine.acquire('k', { metadata: 'worker-7' });
    expect((await engine.inspect('k'))?.metadata).toBe('worker-7');
    expect(await engine.inspect('free')).toBeNull();
  });

  it('forceRelease frees the key and marks the local holder lost', async () => {
    const lock = await engine.acquire('k');
    const lost: unknown[] = [];
    engine.on('lost', (e) => lost.push(e.key));
    expect(await engine.forceRelease('k')).toBe(true);
    expect(lock.held).toBe(false);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
    expect(lost).toEqual(['k']);
    expect(await engine.isLocked('k')).toBe(false);
    expect(await engine.forceRelease('k')).toBe(false);
    expect(await lock.release()).toBe(false);
  });

  it('release is idempotent and a second release returns false', async () => {
    const lock = await engine.acquire('k');
    expect(await lock.release()).toBe(true);
    expect(await lock.release()).toBe(false);
    expect(store.calls.release).toBe(1);
  });

  it('supports await using', async () => {
    {
      await using lock = await engine.acquire('k');
      expect(lock.held).toBe(true);
      expect(await engine.isLocked('k')).toBe(true);
    }
    expect(await engine.isLocked('k')).toBe(false);
  });

  it('keeps the owner token out of util.inspect and JSON', async () => {
    const lock: Lock = await engine.acquire('k');
    const { inspect } = await import('node:util');
    expect(inspect(lock)).not.toContain(lock.token);
    expect(JSON.stringify(lock)).not.toContain(lock.token);
    expect(inspect(lock)).toBe(`Lock { key: "k", fence: ${lock.fence}, held: true }`);
  });

  it('close() rejects waiters, releases held locks and refuses new work', async () => {
    const other = new LockEngine({ store });
    const held = await other.acquire('a');
    await engine.acquire('b', { ttl: 60_000 });
    const waiting = other.acquire('b', { waitTimeout: 60_000 });
    await new Promise((r) => setTimeout(r, 20));
    await other.close();
    await expect(waiting).rejects.toThrow(
      new LockConfigError('LockEngine is closed; create a new engine to take locks.'),
    );
    expect(held.held).toBe(false);
    expect(await engine.isLocked('a')).toBe(false);
    await expect(other.acquire('c')).rejects.toThrow(
      new LockConfigError(
        'LockEngine.acquire: LockEngine is closed; create a new engine to take locks.',
      ),
    );
  });
});
