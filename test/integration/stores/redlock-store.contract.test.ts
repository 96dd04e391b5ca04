import type Redis from 'ioredis';
import { RedlockStore } from '../../../src';
import { LockService } from '../../../src/nestjs';
import { quorum, quorumModule } from '../../../examples/topologies';
import { defer } from '../../support/cleanup';
import { startApp } from '../../support/nest/test-app';
import { lockStoreContract } from '../../../src/testing';
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
  describe('LockStore contract: RedlockStore (5 masters)', () => {
    const cases = lockStoreContract(
      () => {
        const store = new RedlockStore(clients);
        return { store, cleanup: () => store.close() };
      },
      { supports: { fair: false }, shortTtl: 300 },
    );
    for (const c of cases) it(c.name, c.run);
  });

  it('works as the README sets it up, as an engine and through LockModule.forRoot({ store })', async () => {
    const made = quorum([...masters.urls]);
    defer(made.close);
    const lock = await made.engine.acquire('readme:quorum', { ttl: 10_000 });
    const owners = await Promise.all(clients.map((c) => c.hget('lw:{readme:quorum}', 'o')));
    expect(owners).toEqual(Array(5).fill(lock.token));
    await lock.release();

    const store = new RedlockStore(clients);
    const app = await startApp({ imports: [quorumModule(store)] });
    const held = await app
      .get<LockService>(LockService)
      .withLock('readme:module', async (moduleLock) => {
        const on = await Promise.all(clients.map((c) => c.hget('lw:{readme:module}', 'o')));
        return on.every((owner) => owner === moduleLock.token);
      });
    expect(held).toBe(true);
    await app.close();
    // The module closed neither the store nor the clients it was given: they are ours.
    expect(clients.map((c) => c.status)).toEqual(Array(5).fill('ready'));
    await store.close();
  });

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
