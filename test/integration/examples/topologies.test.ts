import { LockService } from '../../../src/nestjs';
import { singleServer, singleServerModule } from '../../../examples/topologies';
import { defer } from '../../support/cleanup';
import { startApp } from '../../support/nest/test-app';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';

// The other topologies of examples/topologies.ts run where their servers are started:
// stores/redis-lock-store.cluster, stores/redlock-store.contract, engine/sentinel-failover.
describeWithRedis('README Topologies: one server (examples/topologies.ts)', () => {
  const redis = useRedisServer();

  it('takes a lock on the server as an engine and through LockModule.forRoot({ redis: url })', async () => {
    const made = singleServer(redis.url);
    defer(made.close);
    const lock = await made.engine.acquire('readme:single', { ttl: 10_000 });
    expect(await redis.raw.hget('lw:{readme:single}', 'o')).toBe(lock.token);
    await lock.release();

    const app = await startApp({ imports: [singleServerModule(redis.url)] });
    const owner = await app
      .get<LockService>(LockService)
      .withLock('readme:module', async (moduleLock) => [
        moduleLock.token,
        await redis.raw.hget('lw:{readme:module}', 'o'),
      ]);
    expect(owner[1]).toBe(owner[0]);
  });
});
