import { Inject, Injectable, Module } from '@nestjs/common';
import Redis, { Cluster } from 'ioredis';
import { currentLock, LockConfigError, LockEngine, Locked, MemoryLockStore } from '../../src';
import { findLockEngine } from '../../src/decorators/engine-registry';
import {
  InjectLockEngine,
  InjectLockService,
  LockModule,
  LockService,
  getLockEngineToken,
  type LockModuleOptions,
  type LockOptionsFactory,
} from '../../src/nestjs';
import { getLockRegistrationToken } from '../../src/nestjs/lock.module';
import type { LockRegistration } from '../../src/nestjs/lock-registration';
import { startApp } from '../support/nest/test-app';
import { connectionNames } from '../support/redis/connection-names';
import { describeWithRedis } from '../support/redis/describe-with-redis';
import { useRedisServer } from '../support/redis/use-redis-server';

/** Stands in for @nestjs/config's ConfigService (not installed): options from a provider. */
@Injectable()
class AppConfig {
  constructor(@Inject('REDIS_URL') readonly redisUrl: string) {}
}

describeWithRedis('LockModule (real Redis)', () => {
  // Applications started in a test are closed after it, then Redis is flushed.
  const redis = useRedisServer({ flushAfterEach: true });
  const url = (name: string) => `${redis.url}?connectionName=${name}`;

  @Module({
    providers: [AppConfig, { provide: 'REDIS_URL', useFactory: () => url('from-config') }],
    exports: [AppConfig],
  })
  class ConfigModule {}

  describe('forRoot', () => {
    it('opens its own connection from a redis:// URL, takes locks in Redis, and closes it on shutdown', async () => {
      const app = await startApp({ imports: [LockModule.forRoot({ redis: url('lw-url') })] });
      const service = app.get<LockService>(LockService);
      const engine = app.get<LockEngine>(LockEngine);
      expect(service.engine).toBe(engine);
      expect(app.get(getLockEngineToken())).toBe(engine);

      await service.withLock('orders:42', async () => {
        expect(await redis.raw.hget('lw:{orders:42}', 'f')).toMatch(/^\d+$/);
      });
      expect(await redis.raw.exists('lw:{orders:42}')).toBe(0);
      expect(await connectionNames(redis.raw)).toContain('lw-url');

      await app.close();
      expect(await connectionNames(redis.raw)).not.toContain('lw-url');
    });

    it('accepts ioredis options and an ioredis client; never closes the client it was given', async () => {
      const fromOptions = await startApp({
        imports: [
          LockModule.forRoot({
            redis: { host: '127.0.0.1', port: redis.port, connectionName: 'lw-options' },
            prefix: 'opts',
          }),
        ],
      });
      await fromOptions.get<LockService>(LockService).withLock('a', async () => {
        expect(await redis.raw.exists('opts:{a}')).toBe(1);
      });
      await fromOptions.close();
      expect(await connectionNames(redis.raw)).not.toContain('lw-options');

      const userClient = new Redis(url('user-client'));
      try {
        const app = await startApp({ imports: [LockModule.forRoot({ redis: userClient })] });
        const service = app.get<LockService>(LockService);
        // A second waiter makes the store open its subscriber (a duplicate of the user's client).
        const first = service.createLock('busy', { ttl: 5_000 });
        expect(await first.acquire()).toBe(true);
        const waiting = service.createLock('busy', { waitTimeout: 5_000 }).acquire();
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect((await connectionNames(redis.raw)).filter((n) => n === 'user-client')).toHaveLength(
          2,
        );
        await first.release();
        expect(await waiting).toBe(true);

        await app.close();
        expect(await userClient.ping()).toBe('PONG');
        // The store's own subscriber is gone; the user's connection is not.
        expect((await connectionNames(redis.raw)).filter((n) => n === 'user-client')).toHaveLength(
          1,
        );
      } finally {
        userClient.disconnect();
      }
    });

    it('builds a Cluster from { cluster } and a Sentinel client from { sentinels, name }, and closes them without waiting for Redis', async () => {
      const app = await startApp({
        imports: [
          LockModule.forRoot({
            redis: { cluster: [{ host: '127.0.0.1', port: 1 }], options: { lazyConnect: true } },
          }),
          LockModule.forRoot({
            name: 'sentinel',
            redis: {
              sentinels: [{ host: '127.0.0.1', port: 1 }],
              name: 'mymaster',
              lazyConnect: true,
            },
          }),
        ],
      });
      const cluster = app.get<LockRegistration>(getLockRegistrationToken()).connection;
      const sentinel = app.get<LockRegistration>(getLockRegistrationToken('sentinel')).connection;
      expect(cluster.client).toBeInstanceOf(Cluster);
      expect(sentinel.client).toBeInstanceOf(Redis);
      expect((sentinel.client as Redis).options.sentinels).toEqual([
        { host: '127.0.0.1', port: 1 },
      ]);
      expect((sentinel.client as Redis).options.name).toBe('mymaster');
      await app.close();
      expect(cluster.client!.status).toBe('end');
      expect(sentinel.client!.status).toBe('end');
    });

    it('works with any LockStore', async () => {
      const store = new MemoryLockStore();
      const app = await startApp({ imports: [LockModule.forRoot({ store })] });
      const locks = app.get<LockService>(LockService);
      expect(await locks.withLock('m', () => locks.isLocked('m'))).toBe(true);
      expect(await locks.isLocked('m')).toBe(false);
    });

    it('registers its engine so @Locked methods of providers use it, and unregisters it on shutdown', async () => {
      @Injectable()
      class Orders {
        @Locked({ key: 'orders:{0}' })
        async process(id: string): Promise<string | undefined> {
          expect(await redis.raw.exists(`lw:{orders:${id}}`)).toBe(1);
          return currentLock()?.key;
        }
      }
      const app = await startApp({
        imports: [LockModule.forRoot({ redis: redis.url })],
        providers: [Orders],
      });
      const engine = app.get<LockEngine>(LockEngine);
      expect(findLockEngine('default')).toBe(engine);
      expect(await app.get<Orders>(Orders).process('7')).toBe('orders:7');
      await app.close();
      expect(findLockEngine('default')).toBeUndefined();
    });
  });

  describe('forRootAsync', () => {
    it('useFactory: options from injected providers', async () => {
      const app = await startApp({
        imports: [
          LockModule.forRootAsync({
            imports: [ConfigModule],
            inject: [AppConfig],
            useFactory: (config: AppConfig) => ({ redis: config.redisUrl }),
          }),
        ],
      });
      await app.get<LockService>(LockService).withLock('f', async () => {
        expect(await connectionNames(redis.raw)).toContain('from-config');
      });
    });

    it('useClass: the module instantiates the options factory (with its dependencies)', async () => {
      @Injectable()
      class LockConfig implements LockOptionsFactory {
        constructor(private readonly config: AppConfig) {}
        createLockOptions(): LockModuleOptions {
          return { redis: this.config.redisUrl, prefix: 'cls' };
        }
      }
      const app = await startApp({
        imports: [LockModule.forRootAsync({ imports: [ConfigModule], useClass: LockConfig })],
      });
      await app.get<LockService>(LockService).withLock('c', async () => {
        expect(await redis.raw.exists('cls:{c}')).toBe(1);
      });
    });

    it('useExisting: reuses a provider exported by an imported module', async () => {
      @Injectable()
      class SharedLockConfig implements LockOptionsFactory {
        createLockOptions(): Promise<LockModuleOptions> {
          return Promise.resolve({ redis: redis.url, prefix: 'existing' });
        }
      }
      @Module({ providers: [SharedLockConfig], exports: [SharedLockConfig] })
      class SharedModule {}
      const app = await startApp({
        imports: [
          LockModule.forRootAsync({ imports: [SharedModule], useExisting: SharedLockConfig }),
        ],
      });
      await app.get<LockService>(LockService).withLock('e', async () => {
        expect(await redis.raw.exists('existing:{e}')).toBe(1);
      });
    });

    it('checks what the factory returns when the application starts', async () => {
      await expect(
        startApp({
          imports: [
            LockModule.forRootAsync({
              useFactory: () => ({ redis: redis.url, ttl: 5 }) as LockModuleOptions,
            }),
          ],
        }),
      ).rejects.toThrow(
        new LockConfigError(
          'LockModule.forRootAsync(): unknown option "ttl". Known options: redis, store, prefix, defaults, onStoreError, shutdownTimeout, clock.',
        ),
      );
      await expect(
        startApp({
          imports: [
            LockModule.forRootAsync({
              useFactory: () => ({ store: new MemoryLockStore(), name: 'x' }) as LockModuleOptions,
            }),
          ],
        }),
      ).rejects.toThrow(
        'LockModule.forRootAsync(): unknown option "name". Pass "name" to forRootAsync() itself, not from the factory.',
      );
    });
  });

  describe('named and inherited registrations', () => {
    @Injectable()
    class Reports {
      constructor(
        @InjectLockEngine('reports') readonly engine: LockEngine,
        @InjectLockService('reports') readonly locks: LockService,
        @InjectLockEngine() readonly defaultEngine: LockEngine,
      ) {}

      @Locked({ engine: 'reports', key: 'monthly' })
      async monthly(): Promise<number> {
        return redis.raw.pttl('app:{monthly}');
      }
    }

    it('inherits the parent options with overrides, shares its connection, and serves @Locked({ engine })', async () => {
      const app = await startApp({
        imports: [
          LockModule.forRoot({ redis: url('parent'), prefix: 'app', defaults: { ttl: 10_000 } }),
          LockModule.forRoot({ name: 'reports', inherit: 'default', defaults: { ttl: 60_000 } }),
        ],
        providers: [Reports],
      });
      const reports = app.get<Reports>(Reports);
      expect(reports.engine).toBeInstanceOf(LockEngine);
      expect(reports.engine).not.toBe(reports.defaultEngine);
      expect(reports.locks.engine).toBe(reports.engine);
      expect(findLockEngine('reports')).toBe(reports.engine);
      // Inherited prefix, overridden ttl (auto-extended lock: pttl stays within the ttl).
      const pttl = await reports.monthly();
      expect(pttl).toBeGreaterThan(10_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
      const parentPttl = await app
        .get<LockService>(LockService)
        .withLock('p', () => redis.raw.pttl('app:{p}'));
      expect(parentPttl).toBeLessThanOrEqual(10_000);
      // One connection for both registrations.
      expect((await connectionNames(redis.raw)).filter((n) => n === 'parent')).toHaveLength(1);

      await app.close();
      expect(await connectionNames(redis.raw)).not.toContain('parent');
      expect(findLockEngine('reports')).toBeUndefined();
    });

    it('opens its own connection when it overrides redis, and inherits through forRootAsync', async () => {
      const app = await startApp({
        imports: [
          LockModule.forRoot({ redis: url('parent'), prefix: 'app' }),
          LockModule.forRootAsync({
            name: 'reports',
            inherit: 'default',
            useFactory: () => ({ redis: url('child') }),
          }),
        ],
        providers: [Reports],
      });
      await app.get<Reports>(Reports).monthly();
      const names = await connectionNames(redis.raw);
      expect(names).toContain('parent');
      expect(names).toContain('child');
      await app.close();
      expect(await connectionNames(redis.raw)).not.toContain('child');
    });

    it('fails at start-up, naming the missing registration, when inherit names none', async () => {
      await expect(
        startApp({ imports: [LockModule.forRoot({ name: 'reports', inherit: 'nope' })] }),
      ).rejects.toThrow(
        new LockConfigError(
          'LockModule.forRoot({ name: "reports" }): option "inherit" names "nope", but there is no LockModule registration with that name in this application. Register LockModule.forRoot({ name: "nope", ... }) (global, or imported where this one is).',
        ),
      );
    });
  });

  describe('validation (exact messages)', () => {
    const cases: Array<[string, () => unknown, string]> = [
      [
        'neither redis nor store',
        () => LockModule.forRoot({}),
        'LockModule.forRoot(): option "redis" or "store" is required, e.g. { redis: \'redis://localhost:6379\' } or { store: new MemoryLockStore() }.',
      ],
      [
        'both redis and store',
        () => LockModule.forRoot({ redis: 'redis://x', store: new MemoryLockStore() }),
        'LockModule.forRoot(): give either "redis" or "store", not both (the engine keeps its locks in one place).',
      ],
      [
        'a URL that is not redis://',
        () => LockModule.forRoot({ redis: 'http://localhost' }),
        'LockModule.forRoot(): option "redis" must be a URL starting with redis:// or rediss://, got "http://localhost".',
      ],
      [
        'an unknown option',
        () => LockModule.forRoot({ store: new MemoryLockStore(), ttl: 1 } as never),
        'LockModule.forRoot(): unknown option "ttl". Known options: redis, store, prefix, defaults, onStoreError, shutdownTimeout, clock.',
      ],
      [
        'a prefix with a brace',
        () => LockModule.forRoot({ store: new MemoryLockStore(), prefix: 'a{b' }),
        'LockModule.forRoot(): option "prefix" must be a string of at most 128 bytes without "{" or "}", got "a{b".',
      ],
      [
        'bad defaults',
        () =>
          LockModule.forRoot({ name: 'r', store: new MemoryLockStore(), defaults: { ttl: -1 } }),
        'LockModule.forRoot({ name: "r" }) defaults: option "ttl" must be a positive integer number of milliseconds, got -1.',
      ],
      [
        'a bad shutdownTimeout',
        () => LockModule.forRoot({ store: new MemoryLockStore(), shutdownTimeout: 1.5 }),
        'LockModule.forRoot(): option "shutdownTimeout" must be an integer number of milliseconds >= 0, got 1.5.',
      ],
      [
        'a bad onStoreError',
        () => LockModule.forRoot({ store: new MemoryLockStore(), onStoreError: 'ignore' as 'run' }),
        'LockModule.forRoot(): option "onStoreError" must be \'throw\' or \'run\', got "ignore".',
      ],
      [
        'a store that is not one',
        () => LockModule.forRoot({ store: {} as MemoryLockStore }),
        'LockModule.forRoot(): option "store" must be a LockStore (a RedisLockStore, a MemoryLockStore, or an object with acquire, renew, release, inspect and forceRelease), got an object.',
      ],
      [
        'sentinels without a master name',
        () => LockModule.forRoot({ redis: { sentinels: [{ port: 26379 }] } }),
        'LockModule.forRoot(): option "redis.name" must be the master group name known to the sentinels, got undefined.',
      ],
      [
        'an empty name',
        () => LockModule.forRoot({ name: '', store: new MemoryLockStore() }),
        'LockModule.forRoot(): option "name" must be a non-empty string, got "".',
      ],
      [
        'inheriting from itself',
        () => LockModule.forRoot({ name: 'a', inherit: 'a' }),
        'LockModule.forRoot(): option "inherit" names the registration itself ("a"); name another registration.',
      ],
      [
        'forRootAsync without a factory',
        () => LockModule.forRootAsync({ name: 'a' }),
        'LockModule.forRootAsync({ name: "a" }): give exactly one of useFactory, useClass and useExisting (got 0).',
      ],
      [
        'forRootAsync with two factories',
        () => LockModule.forRootAsync({ useFactory: () => ({}), useClass: AppConfig as never }),
        'LockModule.forRootAsync(): give exactly one of useFactory, useClass and useExisting (got 2).',
      ],
      [
        'forRootAsync with a lock option',
        () => LockModule.forRootAsync({ useFactory: () => ({}), prefix: 'x' } as never),
        'LockModule.forRootAsync(): unknown option "prefix". Known options: name, inherit, isGlobal, imports, inject, useFactory, useClass, useExisting (the lock options themselves come from the factory).',
      ],
    ];
    it.each(cases)('%s', (_title, define, message) => {
      expect(define).toThrow(new LockConfigError(message));
      expect(define).toThrow(LockConfigError);
    });
  });
});
