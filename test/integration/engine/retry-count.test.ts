import { LockTimeoutError } from '../../../src';
import { forkWorker } from '../../support/workers/worker-process';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { ScriptedStore } from '../../support/scripted-store';
import { useEngines } from '../../support/use-engines';

describeWithRedis('retryCount against a lock held by another process (real redis-server)', () => {
  const redis = useRedisServer();
  const engines = useEngines(redis);

  beforeAll(async () => {
    const holder = forkWorker('engine-holder.ts', [redis.url, 'retry:held', '60000']);
    await holder.next('locked', 20_000);
  });

  it.each([0, 1, 3])(
    'retryCount %i makes exactly that many retries after the first attempt',
    async (retryCount) => {
      const store = new ScriptedStore(engines.store());
      const engine = engines.create({ store });
      const error = await engine
        .acquire('retry:held', { retryCount, retryDelay: 5, waitTimeout: 30_000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect(store.calls.acquire).toBe(retryCount + 1);
    },
  );
});
