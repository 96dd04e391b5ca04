import {
  describeClientKind,
  engineOn,
  freshKey,
  handOff,
  type Topology,
} from '../../support/client-kind-suite';
import { CLIENT_KINDS, GLIDE, IOREDIS, NODE_REDIS } from '../../support/redis/client-kinds';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import type { RedisClient } from '../../../src';

// Every client kind against one redis-server of this file; clients are made once per kind.
describeWithLocalRedis('RedisLockStore over every client kind (standalone redis-server)', () => {
  const redis = useRedisServer();
  const topology: Topology = {
    name: 'standalone',
    target: () => ({ cluster: false, port: redis.port }),
    expectedMode: 'classic',
    async subscriptions(channel) {
      const [, classic] = (await redis.raw.pubsub('NUMSUB', channel)) as [string, number];
      const [, sharded] = (await redis.raw.pubsub('SHARDNUMSUB', channel)) as [string, number];
      return { classic, sharded };
    },
  };

  for (const kind of CLIENT_KINDS) describeClientKind(kind, topology);

  describe('ioredis, node-redis and GLIDE together', () => {
    const kinds = [IOREDIS, NODE_REDIS, GLIDE];
    let clients: RedisClient[];
    beforeAll(async () => {
      clients = await Promise.all(kinds.map((kind) => kind.connect(topology.target())));
    });

    it('exclude each other on one key: exactly one of 21 concurrent tryAcquire wins', async () => {
      const key = freshKey('mixed');
      const engines = Array.from({ length: 21 }, (_, i) => engineOn(clients[i % 3]!));
      const locks = await Promise.all(engines.map((engine) => engine.tryAcquire(key)));
      expect(locks.filter((lock) => lock !== null)).toHaveLength(1);
    });

    it.each([0, 1, 2])(
      'wake each other: a release through kind %i wakes the next kind',
      async (i) => {
        const { order } = await handOff(
          topology,
          engineOn(clients[i]!),
          engineOn(clients[(i + 1) % 3]!),
          freshKey('mixed-wake'),
        );
        expect(order).toEqual(['release', 'acquired']);
      },
      15_000,
    );
  });
});
