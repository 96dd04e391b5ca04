import { RedisLockStore } from '../../../src';
import { describeLockStoreContract } from '../../../src/testing';
import { describeWithRedis, startRedis, type RedisServer } from '../../support/redis-server';

describeWithRedis('RedisLockStore (real redis-server)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  describeLockStoreContract('RedisLockStore', () => {
    const store = new RedisLockStore(server.client());
    return { store, cleanup: () => store.close() };
  });
});
