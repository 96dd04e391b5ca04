import type Redis from 'ioredis';
import { type LockEngine } from '../../src';
import { getLockEngineToken } from '../../src/nestjs';
import { AppModule } from '../../examples/nestjs-config.module';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server';
import { startApp } from './nest-harness';

describeWithRedis(
  'README: forRootAsync with ConfigService (examples/nestjs-config.module.ts)',
  () => {
    let server: RedisServer;
    let raw: Redis;
    const saved = { url: process.env['REDIS_URL'], prefix: process.env['LOCK_PREFIX'] };

    beforeAll(async () => {
      server = await startRedis();
      raw = server.client();
    });
    afterAll(async () => {
      for (const [name, value] of [
        ['REDIS_URL', saved.url],
        ['LOCK_PREFIX', saved.prefix],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await server.stop();
    });

    it('takes REDIS_URL and LOCK_PREFIX from the environment', async () => {
      process.env['REDIS_URL'] = server.url;
      process.env['LOCK_PREFIX'] = 'cfg';
      const app = await startApp({ imports: [AppModule] });
      const engine = app.get<LockEngine>(getLockEngineToken());
      expect(engine.prefix).toBe('cfg');
      await engine.withLock('orders:42', async () => {
        expect(await raw.exists('cfg:{orders:42}')).toBe(1);
      });
      await app.close();
    });
  },
);
