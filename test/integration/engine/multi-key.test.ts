import {
  currentLock,
  LockBusyError,
  LockConfigError,
  LockKeyError,
  LockLostError,
  LockNotHeldError,
  LockStoreError,
  LockTimeoutError,
  type MemoryLockStore,
  type AcquireOptions,
  type Lock,
  type LockAcquiredEvent,
  type LockEngine,
  type LockReleasedEvent,
  type LockStore,
} from '../../../src';
import { nextEvent } from '../../support/next-event';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { storeOver } from '../../support/scripted-store';
import { useEngines, type Engines } from '../../support/use-engines';
import { waitUntil } from '../../support/wait-until';

/** What `promise` rejects with; fails the test when it resolves. */
async function thrownBy(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but it resolved');
}

/** What a suite needs from its store: engines, and a raw look at whether a key is set. */
interface Fixture {
  engines: Engines;
  /** The store the engines share (a new one per test). */
  store(): LockStore;
  /** Whether the lock's own store name (`lw:{key}`) exists, read past the engine. */
  isSet(key: string): Promise<boolean>;
  /** Whether `lw:{key}` is held under `token`, read past the engine. */
  ownedBy(key: string, token: string): Promise<boolean>;
}

/** The multi-key behaviour every store must show. */
function multiKeySuite(fixture: () => Fixture): void {
  let f: Fixture;
  let store: LockStore;
  let engine: LockEngine;
  let other: LockEngine;

  beforeEach(() => {
    f = fixture();
    store = f.store();
    engine = f.engines.create({ store });
    other = f.engines.create({ store });
  });

  async function setKeys(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((key) => f.isSet(key)));
  }

  /**
   * `other` holds `<name>:b`; the engine asks for `keys` (`<name>:a` and `<name>:b`) with
   * `options`. Resolves once the engine waits for 'b', holding 'a' (ordered locking); `ended` is
   * what that acquire rejects with.
   */
  async function waitingForB(
    name: string,
    keys: string[],
    options: AcquireOptions,
  ): Promise<{ holder: Lock; ended: Promise<unknown> }> {
    const holder = await other.acquire(`${name}:b`);
    const contended = nextEvent(engine, 'contended');
    const ended = thrownBy(engine.acquire(keys, options));
    await contended;
    expect(engine.heldCount).toBe(1);
    await waitUntil(`${name}:a taken while waiting`, () => f.isSet(`${name}:a`));
    return { holder, ended };
  }

  /** None of the set is kept: 'a' is free, the engine holds nothing, 'b' is still the holder's. */
  async function expectNoneKept(name: string, holder: Lock): Promise<void> {
    expect(await f.isSet(`${name}:a`)).toBe(false);
    expect(engine.heldCount).toBe(0);
    expect(await f.ownedBy(`${name}:b`, holder.token)).toBe(true);
    await holder.release();
  }

  it('takes every key (distinct, in byte order) as one Lock; release releases all', async () => {
    const lock = await engine.acquire(['mk:c', 'mk:a', 'mk:b', 'mk:a'], { ttl: 10_000 });
    expect(lock.keys).toEqual(['mk:a', 'mk:b', 'mk:c']);
    expect(lock.key).toBe('mk:a');
    expect([...lock.fences.keys()]).toEqual(['mk:a', 'mk:b', 'mk:c']);
    expect(lock.fence).toBe(Math.max(...lock.fences.values()));
    expect(lock.held).toBe(true);
    expect(engine.heldCount).toBe(3);
    expect(await setKeys(['mk:a', 'mk:b', 'mk:c'])).toEqual([true, true, true]);
    // The token of `key`'s part, and no other engine can take any of the keys.
    expect(await f.ownedBy('mk:a', lock.token)).toBe(true);
    expect(await other.tryAcquire('mk:c')).toBeNull();
    expect(lock.expiresAt).toBeGreaterThan(Date.now());

    expect(await lock.release()).toBe(true);
    expect(lock.held).toBe(false);
    expect((lock.signal.reason as Error).name).toBe('AbortError');
    expect(await setKeys(['mk:a', 'mk:b', 'mk:c'])).toEqual([false, false, false]);
    expect(engine.heldCount).toBe(0);
    expect(await lock.release()).toBe(false);
  });

  it('a single-key lock lists its one key and fence', async () => {
    const lock = await engine.acquire('mk:single');
    expect(lock.keys).toEqual(['mk:single']);
    expect([...lock.fences]).toEqual([['mk:single', lock.fence]]);
    expect(JSON.stringify(lock)).not.toContain('keys');
    await lock.release();
  });

  it('a busy key leaves the others untouched: tryAcquire resolves null, onBusy throw names the key', async () => {
    const holder = await other.acquire('mk2:b');
    const acquired: string[] = [];
    const released: string[] = [];
    engine.on('acquired', (e: LockAcquiredEvent) => acquired.push(e.key));
    engine.on('released', (e: LockReleasedEvent) => released.push(e.key));

    expect(await engine.tryAcquire(['mk2:c', 'mk2:b', 'mk2:a'])).toBeNull();
    if (store.acquireMany) {
      // One atomic attempt at the whole set (acquire-many.lua): nothing was taken at all.
      expect(acquired).toEqual([]);
      expect(released).toEqual([]);
    } else {
      // 'a' (before the busy key) was taken and undone; 'c' (after it) never tried.
      expect(acquired).toEqual(['mk2:a']);
      expect(released).toEqual(['mk2:a']);
    }
    expect(await setKeys(['mk2:a', 'mk2:c'])).toEqual([false, false]);
    expect(await f.ownedBy('mk2:b', holder.token)).toBe(true);

    const busy = await thrownBy(engine.acquire(['mk2:a', 'mk2:b'], { onBusy: 'throw' }));
    expect(busy).toBeInstanceOf(LockBusyError);
    expect((busy as LockBusyError).key).toBe('mk2:b');
    expect((busy as Error).message).toBe(
      'Lock ["mk2:a","mk2:b"] is busy: key "mk2:b" is held by another owner; none of the keys is kept.',
    );
    expect(await setKeys(['mk2:a', 'mk2:c'])).toEqual([false, false]);
    expect(
      await engine.withLock(['mk2:a', 'mk2:b'], () => 'ran', { onBusy: 'skip' }),
    ).toBeUndefined();
    await expectNoneKept('mk2', holder);
  });

  it('holds the earlier keys while waiting for a later one, and releases them when waitTimeout runs out', async () => {
    const { holder, ended } = await waitingForB('mk3', ['mk3:b', 'mk3:a'], { waitTimeout: 400 });
    const error = await ended;
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).key).toBe('mk3:b');
    expect((error as Error).message).toMatch(
      /^Timed out acquiring lock \["mk3:a","mk3:b"\]: key "mk3:b" is still held by another owner after waiting \d+ ms \(waitTimeout 400 ms\); the keys taken before it were released\.$/,
    );
    await expectNoneKept('mk3', holder);
  });

  it('gets the set once the busy key is released while waiting', async () => {
    const holder = await other.acquire('mk4:b');
    const pending = engine.acquire(['mk4:a', 'mk4:b'], { waitTimeout: 10_000 });
    await waitUntil('mk4:a taken', () => f.isSet('mk4:a'));
    await holder.release();
    const lock = await pending;
    expect(lock.keys).toEqual(['mk4:a', 'mk4:b']);
    expect(await lock.release()).toBe(true);
  });

  it('an abort while waiting rejects with its reason and releases the keys taken', async () => {
    const controller = new AbortController();
    const { holder, ended } = await waitingForB('mk5', ['mk5:a', 'mk5:b'], {
      waitTimeout: 60_000,
      signal: controller.signal,
    });
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await ended).toBe(reason);
    await expectNoneKept('mk5', holder);
  });

  it('a key lost while a later one is awaited ends the wait with its LockLostError', async () => {
    const { holder, ended } = await waitingForB('mk13', ['mk13:a', 'mk13:b'], {
      waitTimeout: 60_000,
    });
    await engine.forceRelease('mk13:a');
    const error = await ended;
    expect(error).toBeInstanceOf(LockLostError);
    expect((error as LockLostError).key).toBe('mk13:a');
    await expectNoneKept('mk13', holder);
  });

  it('a store error on a later key releases the keys taken and rejects with LockStoreError', async () => {
    const inner = store;
    const failing = storeOver(inner, {
      acquire: (key, ...rest) =>
        key === 'lw:{mk6:b}'
          ? Promise.reject(new Error('connection reset'))
          : inner.acquire(key, ...rest),
    });
    const e = f.engines.create({ store: failing });
    const error = await thrownBy(e.acquire(['mk6:a', 'mk6:b', 'mk6:c']));
    expect(error).toBeInstanceOf(LockStoreError);
    expect(await setKeys(['mk6:a', 'mk6:b', 'mk6:c'])).toEqual([false, false, false]);
    expect(e.heldCount).toBe(0);

    // withLock with onStoreError 'run' runs unlocked (nothing held) and logs it.
    const warnings: string[] = [];
    const open = f.engines.create({
      store: failing,
      onStoreError: 'run',
      logger: { warn: (m: string) => warnings.push(m), error: () => undefined },
    });
    const seen = await open.withLock(['mk6:b', 'mk6:a'], (lock) => [lock.held, lock.keys]);
    expect(seen).toEqual([false, ['mk6:a', 'mk6:b']]);
    expect(warnings).toEqual([expect.stringContaining('running ["mk6:a","mk6:b"] WITHOUT a lock')]);
    expect(await f.isSet('mk6:a')).toBe(false);
  });

  it('losing one key aborts the signal with its LockLostError and releases the others', async () => {
    const lock = await engine.acquire(['mk7:a', 'mk7:b', 'mk7:c']);
    await engine.forceRelease('mk7:b');
    expect(lock.signal.aborted).toBe(true);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
    expect((lock.signal.reason as LockLostError).key).toBe('mk7:b');
    expect(lock.held).toBe(false);
    await waitUntil(
      'the other keys released',
      async () =>
        (await setKeys(['mk7:a', 'mk7:c'])).every((set) => !set) && engine.heldCount === 0,
    );
    expect(engine.heldCount).toBe(0);
    expect(await lock.release()).toBe(false);
    expect(await thrownBy(lock.extend())).toBeInstanceOf(LockNotHeldError);
  });

  it('extend renews every key; a key taken over makes extend throw LockLostError and ends the set', async () => {
    const lock = await engine.acquire(['mk8:a', 'mk8:b'], { ttl: 5_000, autoExtend: false });
    await lock.extend(60_000);
    expect(lock.expiresAt).toBeGreaterThan(Date.now() + 30_000);
    for (const key of lock.keys) {
      const info = await engine.inspect(key);
      expect(info!.ttl).toBeGreaterThan(30_000);
    }
    // Someone deletes 'b' behind our back and takes it.
    await store.forceRelease('lw:{mk8:b}');
    const thief = await other.acquire('mk8:b');
    const error = await thrownBy(lock.extend());
    expect(error).toBeInstanceOf(LockLostError);
    expect(lock.signal.reason).toBe(error);
    await waitUntil('mk8:a released', async () => !(await f.isSet('mk8:a')));
    expect(await f.ownedBy('mk8:b', thief.token)).toBe(true);
    await thief.release();
  });

  it('auto-extension keeps every key alive past its ttl', async () => {
    const lock = await engine.acquire(['mk9:a', 'mk9:b'], { ttl: 300 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(lock.held).toBe(true);
    expect(await setKeys(['mk9:a', 'mk9:b'])).toEqual([true, true]);
    expect(await lock.release()).toBe(true);
  });

  it('withLock: the set is currentLock(), its keys are reentrant inside, all released after', async () => {
    const result = await engine.withLock(['mk10:b', 'mk10:a'], async (lock) => {
      expect(currentLock()).toBe(lock);
      expect(lock.keys).toEqual(['mk10:a', 'mk10:b']);
      // One of the keys again: the part, without waiting (it would time out otherwise).
      const part = await engine.acquire('mk10:b', { waitTimeout: 0 });
      expect(part.key).toBe('mk10:b');
      expect(await part.release()).toBe(true);
      // The set again, nested: reentrant too.
      await engine.withLock(['mk10:a', 'mk10:b'], () => undefined, { waitTimeout: 0 });
      expect(lock.held).toBe(true);
      expect(await setKeys(['mk10:a', 'mk10:b'])).toEqual([true, true]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await setKeys(['mk10:a', 'mk10:b'])).toEqual([false, false]);
    expect(engine.heldCount).toBe(0);
  });

  it('a set over a key held by an enclosing lock keeps that lock held after the set ends', async () => {
    await engine.withLock('mk11:a', async (outer) => {
      const set = await engine.acquire(['mk11:a', 'mk11:b'], { waitTimeout: 0 });
      await engine.forceRelease('mk11:b'); // the set is lost...
      await waitUntil('mk11:b part released', () => engine.heldCount === 1);
      expect(await set.release()).toBe(false);
      // ...but the enclosing lock on 'a' gave nothing back twice.
      expect(outer.held).toBe(true);
      expect(await f.isSet('mk11:a')).toBe(true);
    });
    expect(await f.isSet('mk11:a')).toBe(false);
  });

  it('close() releases the set: its signal aborts with AbortError', async () => {
    const e = f.engines.create({ store });
    const lock = await e.acquire(['mk12:a', 'mk12:b']);
    await e.close();
    expect(lock.signal.aborted).toBe(true);
    expect((lock.signal.reason as Error).name).toBe('AbortError');
    expect(lock.held).toBe(false);
    expect(await setKeys(['mk12:a', 'mk12:b'])).toEqual([false, false]);
    expect(await lock.release()).toBe(false);
    expect(await thrownBy(e.acquire(['mk12:a']))).toBeInstanceOf(LockConfigError);
  });

  it('refuses an empty list and bad keys before touching the store', async () => {
    const empty = await thrownBy(engine.acquire([]));
    expect(empty).toBeInstanceOf(LockKeyError);
    expect((empty as Error).message).toBe(
      'LockEngine.acquire: the list of lock keys is empty; give at least one key (a multi-key lock takes all its keys or none).',
    );
    const bad = await thrownBy(engine.withLock(['ok', 42 as unknown as string], () => 1));
    expect(bad).toBeInstanceOf(LockConfigError);
    expect((bad as Error).message).toBe(
      'LockEngine.withLock: every lock key in the list must be a non-empty string, got 42 at index 1.',
    );
    const option = await thrownBy(engine.tryAcquire(['x', 'y'], { ttl: -1 }));
    expect((option as Error).message).toBe(
      'LockEngine.tryAcquire(["x","y"]): option "ttl" must be a positive integer number of milliseconds, got -1.',
    );
    expect(await setKeys(['ok', 'x', 'y'])).toEqual([false, false, false]);
  });
}

describe('multi-key locks on MemoryLockStore', () => {
  const engines = useEngines();
  let current: MemoryLockStore;
  multiKeySuite(() => ({
    engines,
    store: () => (current = engines.store() as MemoryLockStore),
    isSet: async (key) => (await current.inspect(`lw:{${key}}`)) !== null,
    // The memory store keeps owners private: a renewal under `token` succeeds only for its owner.
    ownedBy: (key, token) => current.renew(`lw:{${key}}`, token, 60_000),
  }));
});

describeWithRedis('multi-key locks on RedisLockStore (real redis-server)', () => {
  const redis = useRedisServer({ flushAfterEach: true });
  const engines = useEngines(redis);
  multiKeySuite(() => ({
    engines,
    store: () => engines.store(),
    isSet: async (key) => (await redis.raw.exists(`lw:{${key}}`)) === 1,
    ownedBy: async (key, token) => (await redis.raw.hget(`lw:{${key}}`, 'o')) === token,
  }));
});
