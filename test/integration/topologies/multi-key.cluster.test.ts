import { LockEngine, LockLostError, RedisLockStore } from '../../../src';
import { keySlot } from '../../../src/stores/clients/key-slot';
import { defer } from '../../support/cleanup';
import { expectMultiKeyLoops } from '../../support/multi-key-loops';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { infoFields } from '../../support/redis/info-fields';
import { useRedisCluster } from '../../support/redis/use-redis-cluster';
import { waitUntil } from '../../support/wait-until';

// One 6-node cluster (3 primaries, 3 replicas) for the file; every test has its own keys.
describeWithLocalRedis('multi-key locks on a 6-node Redis Cluster (real redis-servers)', () => {
  const redis = useRedisCluster();

  function engine(): LockEngine {
    const store = new RedisLockStore(redis.client);
    const made = new LockEngine({ store, prefix: 'lw' });
    defer(async () => {
      await made.close();
      await store.close();
    });
    return made;
  }

  /** One lock key per primary (so three slots), each with a direct client to its primary. */
  async function keyPerPrimary(prefix: string) {
    const found = new Map<number, string>();
    for (let i = 0; found.size < 3; i++) {
      const key = `${prefix}:${i}`;
      const primary = await redis.cluster.primaryOf(`lw:{${key}}`);
      if (!found.has(primary.port)) found.set(primary.port, key);
    }
    return [...found].map(([port, key]) => ({
      key,
      node: redis.cluster.nodes.find((n) => n.port === port)!.client(),
    }));
  }

  it('takes keys of three primaries as one lock, each on its own primary, and releases them all', async () => {
    const keys = await keyPerPrimary('mkc');
    const e = engine();
    const lock = await e.acquire(keys.map((k) => k.key));
    expect([...lock.keys].sort()).toEqual(keys.map((k) => k.key).sort());
    for (const { key, node } of keys) expect(await node.exists(`lw:{${key}}`)).toBe(1);
    // `token` is the owner token of `key`, the first key in lock order.
    const first = keys.find((k) => k.key === lock.key)!;
    expect(await first.node.hget(`lw:{${lock.key}}`, 'o')).toBe(lock.token);
    expect(await lock.release()).toBe(true);
    for (const { key, node } of keys) expect(await node.exists(`lw:{${key}}`)).toBe(0);
  });

  it('a busy key on one primary leaves the keys on the others untouched', async () => {
    const keys = await keyPerPrimary('mkc-busy');
    const [holder, e] = [engine(), engine()];
    // The middle key in lock order is busy: the first is taken and undone, the last never tried.
    const names = keys.map((k) => k.key).sort();
    const held = await holder.acquire(names[1]!);
    expect(await e.tryAcquire(names)).toBeNull();
    for (const { key, node } of keys) {
      expect([key, await node.exists(`lw:{${key}}`)]).toEqual([key, key === names[1] ? 1 : 0]);
    }
    expect(e.heldCount).toBe(0);
    await held.release();
  });

  it('a key lost on one primary aborts the set and releases the keys on the others', async () => {
    const keys = await keyPerPrimary('mkc-lost');
    const e = engine();
    const lock = await e.acquire(
      keys.map((k) => k.key),
      { ttl: 10_000 },
    );
    const victim = keys[2]!;
    await victim.node.del(`lw:{${victim.key}}`);
    await expect(lock.extend()).rejects.toBeInstanceOf(LockLostError);
    expect((lock.signal.reason as LockLostError).key).toBe(victim.key);
    await waitUntil('the other keys released', async () => {
      const left = await Promise.all(keys.map((k) => k.node.exists(`lw:{${k.key}}`)));
      return left.every((n) => n === 0);
    });
  });

  it('keys of different slots are never sent to one script; keys of one slot take one script call', async () => {
    const keys = await keyPerPrimary('mkc-path');
    const store = new RedisLockStore(redis.client);
    defer(() => store.close());
    const requests = keys.map((k) => ({ key: `lw:{${k.key}}`, owner: 'o', ttl: 10_000 }));
    expect(await store.acquireMany(requests)).toBeNull();
    for (const { key, node } of keys) expect(await node.exists(`lw:{${key}}`)).toBe(0);

    // Two distinct keys whose Redis names hash to one slot.
    const a = 'mkc-slot:0';
    const slot = keySlot(`lw:{${a}}`);
    let b = '';
    for (let i = 1; !b; i++) if (keySlot(`lw:{mkc-slot:${i}}`) === slot) b = `mkc-slot:${i}`;
    const node = (await redis.cluster.primaryOf(slot)).client();
    const e = engine();
    await (await e.acquire([a, b])).release();
    await e.isLocked(a);
    await node.config('RESETSTAT');
    const lock = await e.acquire([a, b]);
    const stats = new Map(infoFields(await node.info('commandstats')));
    const calls = (name: string): number =>
      Number(/calls=(\d+)/.exec(stats.get(`cmdstat_${name}`) ?? '')?.[1] ?? 0);
    expect(calls('evalsha') + calls('eval')).toBe(1);
    expect(calls('hset')).toBe(2);
    expect(await lock.release()).toBe(true);
    expect(await node.exists(`lw:{${a}}`, `lw:{${b}}`)).toBe(0);
  });

  it('two processes locking the same keys of two slots in opposite orders: no deadlock, exact counts', async () => {
    const [p, q] = (await keyPerPrimary('mkc-pq')).map((k) => k.key) as [string, string];
    await expectMultiKeyLoops({
      topology: { kind: 'cluster', nodes: redis.cluster.startupNodes },
      data: redis.client,
      loops: [
        { keys: [p, q], mode: 'engine' },
        { keys: [q, p], mode: 'engine' },
      ],
      sections: 25,
      counterPrefix: 'mkc:count',
    });
  }, 90_000);
});
