import { LockEngine, LockTimeoutError, RedisLockStore } from '../../../src';
import { forkWorker, type WorkerProcess } from '../../support/workers/worker-process';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { startRedis, type RedisServer } from '../../support/redis/redis-server';
import { ScriptedStore } from '../../support/scripted-store';

describeWithRedis('retryCount against a lock held by another process (real redis-server)', () => {
  let server: RedisServer;
  let holder: WorkerProcess;

  beforeAll(async () => {
    server = await startRedis();
    holder = forkWorker('engine-holder.ts', [server.url, 'retry:held', '60000']);
    await holder.next('locked', 20_000);
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each([0, 1, 3])(
    'retryCount %i makes exactly that many retries after the first attempt',
    async (retryCount) => {
      const store = new ScriptedStore(new RedisLockStore(server.client()));
      const engine = new LockEngine({ store });
      const error = await engine
        .acquire('retry:held', { retryCount, retryDelay: 5, waitTimeout: 30_000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect(store.calls.acquire).toBe(retryCount + 1);
      await engine.close();
    },
  );
});
