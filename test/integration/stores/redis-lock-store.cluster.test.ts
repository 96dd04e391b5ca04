import type { Cluster } from 'ioredis';
import { RedisLockStore, type LockEngine } from '../../../src';
import { LockService } from '../../../src/nestjs';
import { cluster as clusterEngine, clusterModule } from '../../../examples/topologies';
import { startApp } from '../../support/nest/test-app';
import { lockStoreContract } from '../../../src/testing';
import { defer } from '../../support/cleanup';
import { expectMutualExclusion } from '../../support/mutual-exclusion';
import { nextEvent } from '../../support/next-event';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { startRedisCluster, type RedisCluster } from '../../support/redis/redis-cluster';

// One 6-node cluster (3 primaries, 3 replicas) for the whole file; every test has its own keys.
describeWithLocalRedis('RedisLockStore on a 6-node Redis Cluster (real redis-servers)', () => {
  let cluster: RedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = cluster.client();
  }, 60_000);

  // Random keys spread the cases over the three primaries; fair queues included.
  describe('LockStore contract: RedisLockStore (Cluster)', () => {
    const cases = lockStoreContract(
      () => {
        const store = new RedisLockStore(client);
        return { store, cleanup: () => store.close() };
      },
      { supports: { grant: true, successor: true } },
    );
    for (const c of cases) it(c.name, c.run);
  });

  /** An engine as the README's Topologies section makes one. */
  function engine(): LockEngine {
    const made = clusterEngine([...cluster.startupNodes]);
    defer(made.close);
    return made.engine;
  }

  /** One lock key per primary, each primary's port with it. */
  async function keyPerPrimary(prefix: string): Promise<Array<[port: number, key: string]>> {
    const keys = new Map<number, string>();
    for (let i = 0; keys.size < 3; i++) {
      const key = `${prefix}:${i}`;
      const primary = await cluster.primaryOf(`lw:{${key}}`);
      if (!keys.has(primary.port)) keys.set(primary.port, key);
    }
    return [...keys];
  }

  it('keeps each lock on the primary that serves its slot, and hands it over on every primary (release wake-ups, fair queue)', async () => {
    const [holder, waiter] = [engine(), engine()];
    for (const [port, key] of await keyPerPrimary('primary')) {
      const node = cluster.nodes.find((n) => n.port === port)!.client();
      const held = await holder.acquire(key, { ttl: 10_000 });
      // The lock, its fence memo: on this primary, nowhere else.
      expect(await node.hget(`lw:{${key}}`, 'o')).toBe(held.token);
      expect(await node.exists(`lw:{${key}}:fence`)).toBe(1);
      for (const other of cluster.nodes.filter((n) => n.port !== port && n.running)) {
        const role = ((await other.client().role()) as string[])[0];
        if (role === 'master') {
          await expect(other.client().hget(`lw:{${key}}`, 'o')).rejects.toThrow(/MOVED/);
        }
      }

      // A fair waiter is queued on that primary and woken by the release notification.
      const contended = nextEvent(waiter, 'contended');
      const waiting = waiter.acquire(key, { ttl: 10_000, waitTimeout: 10_000, fair: true });
      await contended;
      expect(await node.zcard(`lw:{${key}}:q`)).toBe(1);
      expect(await held.release()).toBe(true);
      const next = await waiting;
      expect(next.fence).toBeGreaterThan(held.fence);
      expect(await node.hget(`lw:{${key}}`, 'o')).toBe(next.token);
      expect(await node.zcard(`lw:{${key}}:q`)).toBe(0);
      await next.release();
    }
  });

  it('works through LockModule.forRoot({ redis: { cluster } })', async () => {
    const app = await startApp({ imports: [clusterModule([...cluster.startupNodes])] });
    const [port, key] = (await keyPerPrimary('module'))[0]!;
    const node = cluster.nodes.find((n) => n.port === port)!.client();
    const owner = await app
      .get<LockService>(LockService)
      .withLock(key, async (lock) => [lock.token, await node.hget(`lw:{${key}}`, 'o')]);
    expect(owner[1]).toBe(owner[0]);
  });

  it('4 processes × 60 non-atomic increments: exact count, no overlap, increasing fences', async () => {
    await expectMutualExclusion({
      topology: { kind: 'cluster', nodes: cluster.startupNodes },
      data: client,
      key: 'counter',
      lockKeyLeft: async () => (await client.exists('lw:{counter}')) === 1,
    });
  }, 60_000);
});
