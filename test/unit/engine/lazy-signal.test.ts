import { LockEngine, LockLostError, MemoryLockStore } from '../../../src';
import { newOwnerToken } from '../../../src/engine/owner-token';

describe('lock.signal made on first read', () => {
  let engine: LockEngine;
  beforeEach(() => {
    engine = new LockEngine({ store: new MemoryLockStore(), prefix: 'lw' });
  });
  afterEach(() => engine.close());

  it('is already aborted with an AbortError when first read after the release', async () => {
    const lock = await engine.acquire('k');
    await lock.release();
    expect(lock.signal.aborted).toBe(true);
    expect((lock.signal.reason as Error).name).toBe('AbortError');
    expect(lock.signal).toBe(lock.signal);
  });

  it('aborts once, on release, for a listener added while held', async () => {
    const lock = await engine.acquire('k');
    const seen: unknown[] = [];
    lock.signal.addEventListener('abort', () => seen.push(lock.signal.reason));
    await lock.release();
    await lock.release();
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).name).toBe('AbortError');
  });

  it('carries the loss error when first read after the lock was lost', async () => {
    const lost: LockLostError[] = [];
    engine.on('lost', (event) => lost.push(event.error));
    const lock = await engine.acquire('k', { ttl: 50, autoExtend: false });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(lock.held).toBe(false);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
    expect(lost[0]).toBe(lock.signal.reason);
    await lock.release();
    expect(lock.signal.reason).toBe(lost[0]);
  });
});

describe('owner tokens', () => {
  it('are 128 random bits in base64url, never repeated across pool refills', () => {
    const tokens = Array.from({ length: 2_000 }, () => newOwnerToken());
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
