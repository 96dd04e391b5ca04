import { existsSync } from 'node:fs';
import { processAlive } from '../../support/process-alive';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { infoFields } from '../../support/redis/info-fields';
import { startRedisCluster, type RedisCluster } from '../../support/redis/redis-cluster';
import { waitUntil } from '../../support/wait-until';

// One cluster for the whole file; the tests run in order and the last one stops it.
describeWithLocalRedis('startRedisCluster (6 nodes on loopback)', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    const startedAt = Date.now();
    cluster = await startRedisCluster();
    console.log(`startRedisCluster: 6 nodes serving all slots in ${Date.now() - startedAt} ms`);
  }, 60_000);

  /** One key per primary, found by asking the cluster where each candidate lives. */
  async function keyPerPrimary(): Promise<Map<number, string>> {
    const keys = new Map<number, string>();
    for (let i = 0; keys.size < 3; i++) {
      const primary = await cluster.primaryOf(`key:${i}`);
      if (!keys.has(primary.port)) keys.set(primary.port, `key:${i}`);
    }
    return keys;
  }

  it('runs 3 primaries with one in-sync replica each, every node serving all 16384 slots', async () => {
    expect(new Set(cluster.nodes.map((node) => node.pid)).size).toBe(6);
    for (const node of cluster.nodes) {
      const info = infoFields(await node.client().cluster('INFO'));
      expect([node.port, info.get('cluster_state'), info.get('cluster_slots_ok')]).toEqual([
        node.port,
        'ok',
        '16384',
      ]);
      expect(info.get('cluster_known_nodes')).toBe('6');
    }
    const shards = await cluster.shards();
    expect(shards).toHaveLength(3);
    const slots = shards.flatMap((s) => s.ranges).reduce((sum, [a, b]) => sum + b - a + 1, 0);
    expect(slots).toBe(16_384);
    for (const shard of shards) {
      expect(shard.replicas).toHaveLength(1);
      const role = (await shard.replicas[0]!.client().role()) as [string, string, number];
      expect(role.slice(0, 3)).toEqual(['slave', '127.0.0.1', shard.primary.port]);
    }
  });

  it('routes a Cluster client to the node that serves each key', async () => {
    const client = cluster.client();
    for (const [port, key] of await keyPerPrimary()) {
      await client.set(key, `on ${port}`);
      const primary = cluster.nodes.find((node) => node.port === port)!;
      // Read from that node directly: the key is really there, not on another node.
      expect(await primary.client().get(key)).toBe(`on ${port}`);
      expect(await cluster.slotOf(key)).toBe(
        Number(await primary.client().cluster('KEYSLOT', key)),
      );
    }
  });

  it('killPrimary: the replica takes over the failed slots, other slots keep working throughout', async () => {
    const client = cluster.client();
    const keys = await keyPerPrimary();
    const [failing, ...others] = [...keys.values()];
    const before = await cluster.primaryOf(failing!);
    // Written and replicated before the kill, so it must survive the failover.
    await before.client().set(failing!, 'kept');
    expect(await before.client().wait(1, 5_000)).toBe(1);

    // Straight to the nodes that serve the other keys, so no client retry can hide an error.
    const direct = await Promise.all(
      others.map(async (key) => ({
        key: key,
        node: (await cluster.primaryOf(key)).client({ maxRetriesPerRequest: 0 }),
      })),
    );

    const startedAt = Date.now();
    let failedOver = false;
    const failover = cluster.killPrimary(failing!).finally(() => (failedOver = true));
    const errors: string[] = [];
    let writes = 0;
    while (!failedOver) {
      for (const { key, node } of direct) {
        await node.set(key, String(writes)).catch((error: Error) => errors.push(error.message));
        writes += 1;
      }
    }
    const { killed, promoted } = await failover;
    console.log(
      `startRedisCluster: primary ${killed.port} failed over to ${promoted.port} in ${Date.now() - startedAt} ms`,
    );

    expect(killed).toBe(before);
    expect(killed.running).toBe(false);
    expect(processAlive(killed.pid!)).toBe(false);
    expect(await cluster.primaryOf(failing!)).toBe(promoted);
    expect(((await promoted.client().role()) as string[])[0]).toBe('master');
    expect(await promoted.client().get(failing!)).toBe('kept');
    // Writes to the other primaries went on while the failed slots were down.
    expect(errors).toEqual([]);
    expect(writes).toBeGreaterThan(direct.length);
    for (const key of others) expect(await client.set(key, 'still')).toBe('OK');
    // The client finds the new primary (after MOVED / a slots refresh) and the data is there.
    await waitUntil(
      'the client to write to the promoted node',
      () =>
        client.set(failing!, 'after').then(
          (reply) => reply === 'OK',
          () => false,
        ),
      10_000,
      50,
    );
    expect(await promoted.client().get(failing!)).toBe('after');
  }, 60_000);

  it('stop() kills every node by PID and removes their directories', async () => {
    const pids = cluster.nodes.map((node) => node.pid!);
    expect(cluster.dirs.every((dir) => existsSync(dir))).toBe(true);
    await cluster.stop();
    expect(pids.filter(processAlive)).toEqual([]);
    expect(cluster.dirs.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
