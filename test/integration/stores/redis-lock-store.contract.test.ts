import { lockStoreContract } from '../../../src/testing';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';

describeWithRedis('LockStore contract: RedisLockStore (real redis-server)', () => {
  const engines = useEngines(useRedisServer());

  // Each case's store is closed by the fixture, after the case.
  for (const c of lockStoreContract(() => ({ store: engines.store() }))) it(c.name, c.run);
});
