import { describeLockStoreContract } from '../../../src/testing';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';

describeWithRedis('RedisLockStore (real redis-server)', () => {
  const engines = useEngines(useRedisServer());

  describeLockStoreContract('RedisLockStore', () => {
    const store = engines.store();
    return { store, cleanup: () => store.close() };
  });
});
