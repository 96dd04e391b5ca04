import diagnostics_channel from 'node:diagnostics_channel';
import {
  currentLock,
  LockBusyError,
  LockEngine,
  LockStoreError,
  MemoryLockStore,
  type Lock,
} from '../../../src';
import { ScriptedStore } from '../../support/scripted-store';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('withLock', () => {
  let store: ScriptedStore;
  let engine: LockEngine;

  beforeEach(() => {
    store = new ScriptedStore(new MemoryLockStore());
    engine = new LockEngine({ store });
  });
  afterEach(() => engine.close());

  it('passes the return value through and releases before the promise settles', async () => {
    const result = await engine.withLock('k', async (lock) => {
      expect(lock.held).toBe(true);
      expect(await engine.isLocked('k')).toBe(true);
      return 42;
    });
    expect(result).toBe(42);
    expect(store.calls.release).toBe(1);
    expect(engine.heldCount).toBe(0);
  });

  it('passes errors through unchanged and still releases', async () => {
    const boom = new TypeError('boom');
    await expect(
      engine.withLock('k', () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await engine.isLocked('k')).toBe(false);
  });

  it('serialises concurrent sections on one key and runs different keys in parallel', async () => {
    const log: string[] = [];
    const section = (key: string, id: string) =>
      engine.withLock(key, async () => {
        log.push(`in:${id}`);
        await tick();
        log.push(`out:${id}`);
      });
    await Promise.all([section('a', '1'), section('a', '2'), section('a', '3')]);
    expect(log).toEqual(['in:1', 'out:1', 'in:2', 'out:2', 'in:3', 'out:3']);
    log.length = 0;
    await Promise.all([section('x', '1'), section('y', '2')]);
    expect(log.slice(0, 2).sort()).toEqual(['in:1', 'in:2']);
  });

  it('is reentrant on the same key: no second round trip, counted holds', async () => {
    await engine.withLock('k', async (outer) => {
      const acquiresBefore = store.calls.acquire;
      const inner = await engine.withLock('k', async (lock) => {
        expect(lock).toBe(outer);
        const again = await engine.acquire('k');
        expect(again).toBe(outer);
        expect(await again.release()).toBe(true);
        expect(outer.held).toBe(true);
        return 'inner';
      });
      expect(inner).toBe('inner');
      expect(store.calls.acquire).toBe(acquiresBefore);
      expect(store.calls.release).toBe(0);
      expect(outer.held).toBe(true);
    });
    expect(store.calls.release).toBe(1);
    expect(await engine.isLocked('k')).toBe(false);
  });

  it('shares reentrancy between engines on the same store and prefix only', async () => {
    const sibling = new LockEngine({ store, defaults: { ttl: 5_000 } });
    const otherPrefix = new LockEngine({ store, prefix: 'other' });
    await engine.withLock('k', async (outer) => {
      expect(await sibling.withLock('k', (lock) => lock)).toBe(outer);
      // A different prefix is a different key: it is taken separately.
      const separate = await otherPrefix.withLock('k', (lock) => lock);
      expect(separate).not.toBe(outer);
    });
    await Promise.all([sibling.close(), otherPrefix.close()]);
  });

  it('currentLock() returns the innermost held lock, and undefined outside', async () => {
    expect(currentLock()).toBeUndefined();
    await engine.withLock('outer', async (outer) => {
      expect(currentLock()).toBe(outer);
      await engine.withLock('inner', async (inner) => {
        await tick();
        expect(currentLock()).toBe(inner);
      });
      expect(currentLock()).toBe(outer);
    });
    expect(currentLock()).toBeUndefined();
  });

  it('does not reuse a lock from a context where it was already released', async () => {
    let escaped: Lock | undefined;
    await engine.withLock('k', async (lock) => {
      await lock.release();
      escaped = await engine.withLock('k', (again) => again);
    });
    expect(escaped).toBeDefined();
    expect(store.calls.acquire).toBe(2);
  });

  it("onBusy 'skip' resolves undefined without running; 'throw' rejects busy", async () => {
    const held = await engine.acquire('k');
    const other = new LockEngine({ store });
    const fn = jest.fn(() => 1);
    expect(await other.withLock('k', fn, { onBusy: 'skip' })).toBeUndefined();
    await expect(other.withLock('k', fn, { onBusy: 'throw' })).rejects.toBeInstanceOf(
      LockBusyError,
    );
    expect(fn).not.toHaveBeenCalled();
    await held.release();
    expect(await other.withLock('k', fn, { onBusy: 'skip' })).toBe(1);
    await other.close();
  });

  it('fails closed by default: a store failure is a LockStoreError with the cause', async () => {
    const cause = new Error('ECONNREFUSED');
    store.fail('acquire', cause);
    const fn = jest.fn(() => undefined);
    const error = await engine.withLock('k', fn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockStoreError);
    expect((error as LockStoreError).message).toBe(
      'Lock store failed during acquire of "k": ECONNREFUSED',
    );
    // A redacted copy (client errors can carry the owner token), same class and message.
    expect((error as LockStoreError).cause).toBeInstanceOf(Error);
    expect((error as LockStoreError).cause).toMatchObject({ message: 'ECONNREFUSED' });
    expect((error as LockStoreError).code).toBe('LOCK_STORE');
    expect(fn).not.toHaveBeenCalled();
  });

  it("fails open with onStoreError 'run': runs unlocked, with an unheld lock, and warns", async () => {
    const warn = jest.fn();
    const failOpen = new LockEngine({ store, onStoreError: 'run', logger: { warn, error: warn } });
    store.fail('acquire', new Error('ECONNREFUSED'));
    const result = await failOpen.withLock('k', (lock) => {
      expect(lock.held).toBe(false);
      expect(lock.signal.aborted).toBe(false);
      return 'ran';
    });
    expect(result).toBe('ran');
    expect(warn).toHaveBeenCalledWith(
      `lockwarden: running "k" WITHOUT a lock because the store failed (onStoreError: 'run'): Error: ECONNREFUSED`,
    );
    // The per-call option wins over the engine's policy.
    await expect(failOpen.withLock('k', () => 1, { onStoreError: 'throw' })).rejects.toBeInstanceOf(
      LockStoreError,
    );
    await failOpen.close();
  });

  it('still resolves with the result when the release fails, and reports the failure', async () => {
    const errors: string[] = [];
    engine.on('error', (e) => errors.push(`${e.operation}: ${e.error.message}`));
    const result = await engine.withLock('k', () => {
      store.fail('release', new Error('socket closed'));
      return 'done';
    });
    expect(result).toBe('done');
    expect(errors).toEqual(['release: Lock store failed during release of "k": socket closed']);
    expect(engine.heldCount).toBe(0);
  });
});

describe('local waiting', () => {
  it('queues local waiters in arrival order and wakes one per release', async () => {
    const store = new ScriptedStore(new MemoryLockStore());
    const engine = new LockEngine({ store, defaults: { retryDelay: 60_000, waitTimeout: 10_000 } });
    const order: number[] = [];
    const first = await engine.acquire('k');
    const waiters = [1, 2, 3, 4, 5].map((i) =>
      engine.withLock('k', async () => {
        order.push(i);
        await tick();
      }),
    );
    await tick();
    const before = store.calls.acquire;
    await first.release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    // One attempt per hand-off, plus at most one spurious wake from a release echo each.
    expect(store.calls.acquire - before).toBeLessThanOrEqual(2 * order.length);
    await engine.close();
  });
});

describe('events and diagnostics channels', () => {
  it('emits acquired, contended, released and lost, also on diagnostics_channel', async () => {
    const seen: string[] = [];
    const channelSeen: string[] = [];
    const handlers = (['acquired', 'contended', 'released', 'lost'] as const).map((name) => {
      const handler = (message: unknown) =>
        channelSeen.push(`${name}:${(message as { key: string }).key}`);
      diagnostics_channel.subscribe(`lockwarden:${name}`, handler);
      return () => diagnostics_channel.unsubscribe(`lockwarden:${name}`, handler);
    });
    const store = new MemoryLockStore();
    const engine = new LockEngine({ store });
    engine.on('acquired', (e) => seen.push(`acquired:${e.key}:${e.attempts}`));
    engine.on('contended', (e) => seen.push(`contended:${e.key}:${e.holderTtl > 0}`));
    engine.on('released', (e) => seen.push(`released:${e.key}`));
    engine.on('lost', (e) => seen.push(`lost:${e.key}`));

    const lock = await engine.acquire('a');
    expect(await engine.tryAcquire('a')).toBeNull();
    await lock.release();
    const b = await engine.acquire('b');
    await engine.forceRelease('b');
    expect(b.held).toBe(false);
    handlers.forEach((off) => off());
    await engine.close();

    expect(seen).toEqual([
      'acquired:a:1',
      'contended:a:true',
      'released:a',
      'acquired:b:1',
      'lost:b',
    ]);
    expect(channelSeen).toEqual([
      'acquired:a',
      'contended:a',
      'released:a',
      'acquired:b',
      'lost:b',
    ]);
  });

  it('a throwing listener does not break the engine', async () => {
    const error = jest.fn();
    const engine = new LockEngine({ store: new MemoryLockStore(), logger: { warn: error, error } });
    engine.on('acquired', () => {
      throw new Error('listener bug');
    });
    const lock = await engine.acquire('k');
    expect(lock.held).toBe(true);
    expect(error).toHaveBeenCalledWith(
      'lockwarden: a "acquired" listener threw',
      expect.any(Error),
    );
    await engine.close();
  });
});

describe('claim', () => {
  it('takes a key once, without holding, renewing or releasing it', async () => {
    jest.useFakeTimers();
    const inner = new MemoryLockStore();
    const store = new ScriptedStore(inner);
    const engine = new LockEngine({ store });
    const first = await engine.claim('tick:1000', { ttl: 5_000, metadata: 'replica-a' });
    expect(first?.fence).toEqual(expect.any(Number));
    expect(await engine.claim('tick:1000', { ttl: 5_000 })).toBeNull();
    expect(engine.heldCount).toBe(0);
    expect((await engine.inspect('tick:1000'))?.metadata).toBe('replica-a');
    await engine.close();
    // close() does not release a claim; it simply expires.
    expect(await inner.inspect('lw:{tick:1000}')).not.toBeNull();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(await inner.inspect('lw:{tick:1000}')).toBeNull();
    expect(store.calls.renewMany + store.calls.release).toBe(0);
    jest.useRealTimers();
  });

  it('requires a ttl', async () => {
    const engine = new LockEngine({ store: new MemoryLockStore() });
    await expect(engine.claim('k', {} as never)).rejects.toThrow(
      'LockEngine.claim("k"): option "ttl" must be given, got undefined.',
    );
    await engine.close();
  });
});
