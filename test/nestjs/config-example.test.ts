import { type LockEngine } from '../../src';
import { getLockEngineToken } from '../../src/nestjs';
import { AppModule } from '../../examples/nestjs-config.module';
import { startApp } from '../support/nest/test-app';
import { describeWithRedis } from '../support/redis/describe-with-redis';
import { useRedisServer } from '../support/redis/use-redis-server';

describeWithRedis(
  'README: forRootAsync with ConfigService (examples/nestjs-config.module.ts)',
  () => {
    const redis = useRedisServer();
    const saved = { url: process.env['REDIS_URL'], prefix: process.env['LOCK_PREFIX'] };

    afterAll(() => {
      for (const [name, value] of [
        ['REDIS_URL', saved.url],
        ['LOCK_PREFIX', saved.prefix],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it('takes REDIS_URL and LOCK_PREFIX from the environment', async () => {
      process.env['REDIS_URL'] = redis.url;
      process.env['LOCK_PREFIX'] = 'cfg';
      const app = await startApp({ imports: [AppModule] });
      const engine = app.get<LockEngine>(getLockEngineToken());
      expect(engine.prefix).toBe('cfg');
      await engine.withLock('orders:42', async () => {
        expect(await redis.raw.exists('cfg:{orders:42}')).toBe(1);
      });
      await app.close();
    });
  },
);
