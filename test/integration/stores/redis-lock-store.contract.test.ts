import { lockStoreContract } from '../../../src/testing';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';

describeWithRedis('LockStore contract: RedisLockStore (real redis-server)', () => {
  const engines = useEngines(useRedisServer());

  // Each case's store is closed by the fixture, after the case.
  const cases = lockStoreContract(() => ({ store: engines.store() }), {
    supports: { grant: true, successor: true },
  });
  for (const c of cases) it(c.name, c.run);
});
