import { keySlot } from '../../../src/stores/clients/key-slot';
import {
  describeClientKind,
  describeMixedKinds,
  engineOn,
  freshKey,
  releaseChannel,
  untilSubscribed,
  type Topology,
} from '../../support/client-kind-suite';
import { CLIENT_KINDS } from '../../support/redis/client-kinds';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { startRedisCluster, type RedisCluster } from '../../support/redis/redis-cluster';

// One 6-node cluster for the whole file; every client kind runs the same suite on it.
describeWithLocalRedis('RedisLockStore over every client kind (6-node Redis Cluster)', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);

  const admin = (port: number) => cluster.nodes.find((node) => node.port === port)!.client();
  const topology: Topology = {
    name: 'cluster',
    target: () => ({ cluster: true, nodes: cluster.startupNodes }),
    expectedMode: 'sharded',
    async subscriptions(channel) {
      let classic = 0;
      for (const node of cluster.nodes.filter((n) => n.running)) {
        const [, count] = (await admin(node.port).pubsub('NUMSUB', channel)) as [string, number];
        classic += count;
      }
      const primary = await cluster.primaryOf(channel);
      const [, sharded] = (await admin(primary.port).pubsub('SHARDNUMSUB', channel)) as [
        string,
        number,
      ];
      return { classic, sharded };
    },
  };

  it('computes hash slots as CLUSTER KEYSLOT does', async () => {
    const keys = [
      'a',
      'lw:{orders:42}',
      'lw:{orders:42}:fence',
      'lw:{}x}',
      '{}',
      '{a}{b}',
      'x{}y{z}',
      'lw:{\u0000}x}:rel',
      'ünïcødé:{ключ}',
      '😀{😀}',
      ...Array.from({ length: 200 }, (_, i) => `key:${i}:${'x'.repeat(i % 7)}`),
    ];
    const node = admin(cluster.nodes[0]!.port);
    for (const key of keys)
      expect([key, keySlot(key)]).toEqual([key, await node.cluster('KEYSLOT', key)]);
  });

  for (const kind of CLIENT_KINDS) describeClientKind(kind, topology);

  describeMixedKinds(topology, (clients) => {
    it('announce releases on the key shard only (SSUBSCRIBE on its primary, no classic channel)', async () => {
      const key = freshKey('sharded');
      const channel = releaseChannel(key);
      const waiters = clients().map((client) => engineOn(client));
      const holder = await engineOn(clients()[0]!).acquire(key, { ttl: 60_000 });
      const waiting = waiters.map((engine) =>
        engine
          .acquire(key, { retryDelay: 60_000, waitTimeout: 60_000 })
          .then((lock) => lock.release()),
      );
      await untilSubscribed(topology, key);
      const primary = await cluster.primaryOf(channel);
      await expect(admin(primary.port).pubsub('SHARDCHANNELS', channel)).resolves.toEqual([
        channel,
      ]);
      for (const node of cluster.nodes) {
        expect(await admin(node.port).pubsub('CHANNELS', channel)).toEqual([]);
        if (node !== primary)
          expect(await admin(node.port).pubsub('SHARDCHANNELS', channel)).toEqual([]);
      }
      await holder.release();
      await Promise.all(waiting);
    }, 15_000);
  });
});
