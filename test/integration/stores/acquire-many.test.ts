import type { Redis } from 'ioredis';
import {
  RedisLockStore,
  type LockAcquiredEvent,
  type LockContendedEvent,
  type LockEngine,
} from '../../../src';
import { defer } from '../../support/cleanup';
import { CLIENT_KINDS } from '../../support/redis/client-kinds';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { infoFields } from '../../support/redis/info-fields';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';
import { waitUntil } from '../../support/wait-until';

/** Calls per command name (scripts, and commands run inside them), from INFO commandstats. */
async function commandCalls(admin: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const [field, value] of infoFields(await admin.info('commandstats'))) {
    const match = /^cmdstat_(.+)$/.exec(field);
    const count = /calls=(\d+)/.exec(value);
    if (match && count) calls.set(match[1]!, Number(count[1]));
  }
  return calls;
}

/** The commands run while `work` runs (a script counts once, its inner commands too). */
async function commandsDuring(admin: Redis, work: () => Promise<unknown>) {
  await admin.config('RESETSTAT');
  await work();
  const calls = await commandCalls(admin);
  return (name: string): number => calls.get(name) ?? 0;
}

describeWithLocalRedis('acquire-many: a set of keys in one script (real redis-server)', () => {
  const redis = useRedisServer({ perTest: true });
  const engines = useEngines(redis);

  /** An engine whose scripts are loaded and whose store configuration was checked already. */
  async function warmEngine(): Promise<LockEngine> {
    const engine = engines.create();
    await (await engine.acquire(['warm:a', 'warm:b'])).release();
    await (await engine.acquire('warm:a')).release();
    // checkConfiguration (INFO memory) runs in the background at first use.
    await engine.isLocked('warm:a');
    return engine;
  }

  const exists = (key: string): Promise<number> => redis.raw.exists(`lw:{${key}}`);

  it('takes a free set of 3 keys with exactly one script call', async () => {
    const engine = await warmEngine();
    const acquired: LockAcquiredEvent[] = [];
    engine.on('acquired', (e) => acquired.push(e));
    let fences: ReadonlyMap<string, number> | undefined;
    let lock: Awaited<ReturnType<LockEngine['acquire']>> | undefined;
    const count = await commandsDuring(redis.raw, async () => {
      lock = await engine.acquire(['s1:c', 's1:a', 's1:b'], { ttl: 10_000 });
      fences = lock.fences;
    });
    expect(count('evalsha') + count('eval')).toBe(1);
    // One clock read for the three fences, one HSET per key.
    expect(count('time')).toBe(1);
    expect(count('hset')).toBe(3);
    expect(lock!.keys).toEqual(['s1:a', 's1:b', 's1:c']);
    // One `acquired` per key, each with its own fence.
    expect(acquired.map((e) => [e.key, e.fence, e.attempts])).toEqual(
      lock!.keys.map((key) => [key, fences!.get(key), 1]),
    );
    for (const key of lock!.keys) {
      expect(await redis.raw.pttl(`lw:{${key}}`)).toBeGreaterThan(0);
      expect((await engine.inspect(key))?.fence).toBe(fences!.get(key));
    }
    // Each key has its own owner token; `token` is the first key's.
    const owners = await Promise.all(lock!.keys.map((k) => redis.raw.hget(`lw:{${k}}`, 'o')));
    expect(new Set(owners).size).toBe(3);
    expect(owners[0]).toBe(lock!.token);
    expect(await lock!.release()).toBe(true);
    expect(await redis.raw.exists('lw:{s1:a}', 'lw:{s1:b}', 'lw:{s1:c}')).toBe(0);
  });

  it('the script itself: a busy key leaves none of the free keys set', async () => {
    const store = new RedisLockStore(redis.client());
    defer(() => store.close());
    expect((await store.acquire('lw:{s2:b}', 'holder', 10_000)).acquired).toBe(true);
    const result = await store.acquireMany(
      ['lw:{s2:a}', 'lw:{s2:b}', 'lw:{s2:c}'].map((key, i) => ({
        key,
        owner: `owner-${i}`,
        ttl: 10_000,
      })),
    );
    expect(result).toEqual({ acquired: false, busy: 1, ttl: expect.any(Number) as number });
    expect((result as { ttl: number }).ttl).toBeGreaterThan(0);
    expect(await redis.raw.exists('lw:{s2:a}', 'lw:{s2:c}')).toBe(0);
    expect(await redis.raw.exists('lw:{s2:a}:fence', 'lw:{s2:c}:fence')).toBe(0);
    expect(await redis.raw.hget('lw:{s2:b}', 'o')).toBe('holder');

    // A fair queue on a free key counts as busy too (nobody barges past a queue).
    await redis.raw.zadd('lw:{s2:q}:q', 1, 'waiter');
    await redis.raw.pexpire('lw:{s2:q}:q', 10_000);
    const queued = await store.acquireMany([
      { key: 'lw:{s2:p}', owner: 'o1', ttl: 10_000 },
      { key: 'lw:{s2:q}', owner: 'o2', ttl: 10_000 },
    ]);
    expect(queued).toEqual({ acquired: false, busy: 1, ttl: -1 });
    expect(await redis.raw.exists('lw:{s2:p}', 'lw:{s2:q}')).toBe(0);
  });

  it('tryAcquire of a set with a busy key: one script call, nothing set, no event but contended', async () => {
    const engine = await warmEngine();
    const holder = await engines.create().acquire('s3:b');
    const acquired: string[] = [];
    const contended: LockContendedEvent[] = [];
    engine.on('acquired', (e) => acquired.push(e.key));
    engine.on('contended', (e) => contended.push(e));
    let got: unknown;
    const count = await commandsDuring(redis.raw, async () => {
      got = await engine.tryAcquire(['s3:a', 's3:b', 's3:c']);
    });
    expect(got).toBeNull();
    expect(count('evalsha') + count('eval')).toBe(1);
    expect(count('hset')).toBe(0);
    expect(acquired).toEqual([]);
    expect(contended.map((e) => [e.key, e.attempt])).toEqual([['s3:b', 1]]);
    expect(await redis.raw.exists('lw:{s3:a}', 'lw:{s3:c}')).toBe(0);
    await holder.release();
  });

  it('a busy key: the call waits on it (ordered path) and takes the set after its release', async () => {
    const engine = await warmEngine();
    const holder = await engines.create().acquire('s4:b', { ttl: 30_000 });
    const contended: string[] = [];
    engine.on('contended', (e) => contended.push(e.key));
    const pending = engine.acquire(['s4:c', 's4:b', 's4:a'], { ttl: 10_000, waitTimeout: 20_000 });
    // The ordered path holds 'a' (before the busy key) and waits on 'b'; 'c' is not taken yet.
    await waitUntil('the set waits on s4:b', () => contended.includes('s4:b'));
    await waitUntil('s4:a taken by the ordered path', async () => (await exists('s4:a')) === 1);
    expect(await exists('s4:c')).toBe(0);
    expect(await holder.release()).toBe(true);
    const lock = await pending;
    expect(lock.held).toBe(true);
    expect(lock.keys).toEqual(['s4:a', 's4:b', 's4:c']);
    for (const key of lock.keys) expect(await exists(key)).toBe(1);
    expect(await lock.release()).toBe(true);
    expect(await redis.raw.exists('lw:{s4:a}', 'lw:{s4:b}', 'lw:{s4:c}')).toBe(0);
  });

  it('fences of a set increase per key across acquisitions and follow single-key acquires', async () => {
    const engine = await warmEngine();
    const keys = ['s5:a', 's5:b', 's5:c'];
    const first = await engine.acquire(keys);
    const firstFences = new Map(first.fences);
    await first.release();

    // A single-key acquire of 'b' continues the same per-key sequence.
    const single = await engine.acquire('s5:b');
    expect(single.fence).toBeGreaterThan(firstFences.get('s5:b')!);
    await single.release();

    // A fence left far ahead (as after a clock step back) is bumped past, as acquire.lua does.
    const ahead = firstFences.get('s5:c')! + 1_000_000_000_000;
    await redis.raw.set('lw:{s5:c}:fence', String(ahead), 'PX', 60_000);

    const second = await engine.acquire(keys);
    expect(second.fences.get('s5:a')).toBeGreaterThan(firstFences.get('s5:a')!);
    expect(second.fences.get('s5:b')).toBeGreaterThan(single.fence);
    expect(second.fences.get('s5:c')).toBe(ahead + 1);
    expect(second.fence).toBe(ahead + 1);
    // The fence key remembers each key's last fence, for the next single-key acquire.
    for (const key of keys) {
      expect(await redis.raw.get(`lw:{${key}}:fence`)).toBe(String(second.fences.get(key)));
    }
    await second.release();
    const after = await engine.acquire('s5:c');
    expect(after.fence).toBe(ahead + 2);
    await after.release();
  });

  it('a set inside a lock on one of its keys (reentrancy) takes the ordered path', async () => {
    const engine = await warmEngine();
    await engine.withLock('s6:b', async (outer) => {
      const count = await commandsDuring(redis.raw, async () => {
        await engine.withLock(['s6:a', 's6:b', 's6:c'], (set) => {
          // The enclosing lock's part is reused (same fence), the others are taken.
          expect(set.fences.get('s6:b')).toBe(outer.fence);
        });
      });
      // Two acquires (a, c) and two releases: 'b' stays held by the enclosing lock.
      expect(count('evalsha') + count('eval')).toBe(4);
      expect(outer.held).toBe(true);
      expect(await exists('s6:b')).toBe(1);
    });
  });

  it('renews, extends and releases a set taken in one call like any set', async () => {
    const engine = await warmEngine();
    const lock = await engine.acquire(['s7:a', 's7:b'], { ttl: 3_000 });
    await lock.extend(20_000);
    for (const key of lock.keys) {
      expect(await redis.raw.pttl(`lw:{${key}}`)).toBeGreaterThan(3_000);
    }
    expect(engine.heldCount).toBe(2);
    expect(await lock.release()).toBe(true);
    expect(engine.heldCount).toBe(0);
    expect(await lock.release()).toBe(false);
  });

  it.each(CLIENT_KINDS.map((kind) => [kind.name, kind] as const))(
    'every client kind (%s) takes a set in one script and reads its fences',
    async (_name, kind) => {
      const store = new RedisLockStore(await kind.connect({ cluster: false, port: redis.port }));
      defer(() => store.close());
      const keys = ['lw:{s8:a}', 'lw:{s8:b}'];
      const taken = await store.acquireMany(keys.map((key) => ({ key, owner: 'o', ttl: 10_000 })));
      expect(taken).toEqual({ acquired: true, fences: [expect.any(Number), expect.any(Number)] });
      const fences = (taken as { fences: number[] }).fences;
      for (const [i, key] of keys.entries()) {
        expect(Number.isSafeInteger(fences[i])).toBe(true);
        expect(await redis.raw.hget(key, 'f')).toBe(String(fences[i]));
      }
      const busy = await store.acquireMany(keys.map((key) => ({ key, owner: 'x', ttl: 10_000 })));
      expect(busy).toEqual({ acquired: false, busy: 0, ttl: expect.any(Number) as number });
      for (const key of keys) expect(await store.release(key, 'o')).toBe(true);
    },
  );
});
