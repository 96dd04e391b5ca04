import type Redis from 'ioredis';
import { RedlockStore } from '../../../src';
import { describeLockStoreContract } from '../../../src/testing';
import { expectMutualExclusion } from '../../support/mutual-exclusion';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { startRedisMasters, type RedisMasters } from '../../support/redis/redis-masters';

// One set of 5 masters for the file; every test has its own random keys.
describeWithLocalRedis('RedlockStore over 5 independent masters (real redis-servers)', () => {
  let masters: RedisMasters;
  let clients: Redis[];

  beforeAll(async () => {
    masters = await startRedisMasters(5);
    clients = masters.clients();
  }, 30_000);

  // Without fair queues (refused: each node would order its own queue). Expiry tests wait twice
  // the short ttl; 5 round trips under load need more than the default 100 ms.
  describeLockStoreContract(
    'RedlockStore (5 masters)',
    () => {
      const store = new RedlockStore(clients);
      return { store, cleanup: () => store.close() };
    },
    { supports: { fair: false }, shortTtl: 300 },
  );

  it('4 processes × 60 non-atomic increments: exact count, no overlap, increasing fences', async () => {
    await expectMutualExclusion({
      topology: { kind: 'masters', urls: masters.urls },
      data: clients[0]!,
      key: 'counter',
      lockKeyLeft: async () =>
        (await Promise.all(clients.map((c) => c.exists('lw:{counter}')))).some((n) => n === 1),
    });
  }, 60_000);
});
