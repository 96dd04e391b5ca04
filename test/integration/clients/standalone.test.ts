import {
  describeClientKind,
  describeMixedKinds,
  type Topology,
} from '../../support/client-kind-suite';
import { CLIENT_KINDS } from '../../support/redis/client-kinds';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';

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

  describeMixedKinds(topology);
});
