import type {
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Type,
} from '@nestjs/common';
import type {
  ClusterNode,
  ClusterOptions,
  RedisOptions,
  SentinelAddress,
  Cluster,
  Redis,
} from 'ioredis';
import type { LockEngineOptions } from '../engine/options';
import type { LockStore } from '../stores/lock-store';
import type { RedisClient } from '../stores/clients/detect-client';

/**
 * A Redis Cluster to connect to: the seed nodes and ioredis' cluster options.
 *
 * @example
 * LockModule.forRoot({ redis: { cluster: [{ host: 'redis-0', port: 6379 }], options: { scaleReads: 'master' } } });
 */
export interface LockModuleClusterConfig {
  /**
   * Some of the cluster's nodes; ioredis discovers the others.
   * @example
   * { cluster: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7000 }] }
   */
  cluster: ClusterNode[];
  /**
   * ioredis `ClusterOptions` for the module's cluster client.
   * @default ioredis' defaults
   * @example
   * { cluster: nodes, options: { redisOptions: { password: process.env['REDIS_PASSWORD'] } } }
   */
  options?: ClusterOptions;
}

/**
 * A Sentinel-managed master to connect to (any other ioredis option may be added).
 *
 * @example
 * LockModule.forRoot({
 *   redis: { sentinels: [{ host: 'sentinel-0', port: 26379 }], name: 'mymaster', failoverDetector: true },
 * });
 */
export interface LockModuleSentinelConfig extends RedisOptions {
  /**
   * Some of the sentinels watching the master group.
   * @example
   * { sentinels: [{ host: 'sentinel-0', port: 26379 }, { host: 'sentinel-1', port: 26379 }], name: 'mymaster' }
   */
  sentinels: Array<Partial<SentinelAddress>>;
  /**
   * The master group name known to the sentinels.
   * @example
   * { sentinels, name: 'mymaster' }
   */
  name: string;
}

/**
 * Where the module's Redis is. A client you created (ioredis `Redis` or `Cluster`, a connected
 * node-redis client or cluster, a Valkey GLIDE client) is used as is and never closed by the
 * module; anything else makes the module open its own ioredis connection, which it closes on
 * shutdown.
 *
 * @example
 * LockModule.forRoot({ redis: 'redis://localhost:6379/2' }); // a URL
 * LockModule.forRoot({ redis: { host: 'localhost', port: 6379 } }); // ioredis options
 * LockModule.forRoot({ redis: myClient }); // your client: used, never closed by the module
 */
export type LockModuleRedisConfig =
  | RedisClient
  | Redis
  | Cluster
  /** A `redis://` or `rediss://` URL (ioredis URL options such as `?db=2` work). */
  | string
  | LockModuleClusterConfig
  | LockModuleSentinelConfig
  | RedisOptions;

/**
 * The current time in epoch ms; replaceable to test clock skew between replicas.
 *
 * @example
 * const skewed: LockClock = () => Date.now() + 300; // this replica's clock runs 300 ms ahead
 */
export type LockClock = () => number;

/**
 * Options of one `LockModule` registration (what `useFactory` returns in `forRootAsync`):
 * where the locks live, the engine's `prefix`, `defaults` and `onStoreError` (under `'throw'`,
 * `@SingleInstanceCron` ticks are skipped and logged), and shutdown.
 *
 * @example
 * const options: LockModuleOptions = {
 *   redis: process.env['REDIS_URL'],
 *   prefix: 'billing',
 *   defaults: { ttl: 10_000 },
 *   shutdownTimeout: 30_000,
 * };
 */
export interface LockModuleOptions extends Pick<
  LockEngineOptions,
  'prefix' | 'defaults' | 'onStoreError'
> {
  /**
   * The Redis to keep locks in. Give exactly one of `redis` and `store` (or neither with
   * `inherit`, to share the inherited registration's connection).
   * @default none: give `redis` or `store`
   * @example
   * { redis: 'redis://localhost:6379' }
   */
  redis?: LockModuleRedisConfig;
  /**
   * Any `LockStore` (e.g. a `MemoryLockStore` in tests) instead of `redis`. The module does not
   * close it: whoever creates a store closes it.
   * @default none: give `redis` or `store`
   * @example
   * // In tests:
   * { store: new MemoryLockStore() }
   */
  store?: LockStore;
  /**
   * On application shutdown, how long to wait for in-flight locked calls (`@Locked` methods,
   * `withLock`, `@SingleInstanceCron` runs) to finish before their locks are released anyway.
   * @default 10_000
   * @example
   * { redis: url, shutdownTimeout: 60_000 } // nightly jobs may take a minute to finish
   */
  shutdownTimeout?: number;
  /**
   * The clock `@SingleInstanceCron` reads to decide which scheduled tick is firing. Only for
   * tests that simulate clock skew; lock expiry is always measured by Redis.
   * @default Date.now
   * @example
   * { store, clock: () => Date.now() - 200 } // a replica whose clock is 200 ms behind
   */
  clock?: LockClock;
}

/**
 * How a registration is named and made visible; fixed when the module is defined.
 *
 * @example
 * LockModule.forRoot({ name: 'reports', inherit: 'default', isGlobal: true, defaults: { ttl: 60_000 } });
 */
export interface LockModuleRegistration {
  /**
   * The registration's name, for `@InjectLockEngine(name)`, `@InjectLockService(name)`,
   * `@Locked({ engine: name })` and `@SingleInstanceCron(..., { engine: name })`.
   * @default 'default'
   * @example
   * LockModule.forRoot({ name: 'reports', redis: reportsUrl });
   * // ...
   * @Locked({ engine: 'reports' })
   */
  name?: string;
  /**
   * Start from the options of the registration with this name and apply these on top
   * (`defaults` are merged key by key). Without `redis`/`store` of its own the registration
   * shares the inherited one's connection.
   * @default undefined (a registration of its own)
   * @example
   * LockModule.forRoot({ name: 'slow', inherit: 'default', defaults: { waitTimeout: 60_000 } });
   */
  inherit?: string;
  /**
   * Make the engine, `LockService` and tokens injectable everywhere without importing the module.
   * @default true
   * @example
   * LockModule.forRoot({ redis: url, isGlobal: false }); // import LockModule where it is used
   */
  isGlobal?: boolean;
}

/**
 * Options of `LockModule.forRoot`.
 *
 * @example
 * LockModule.forRoot({ redis: 'redis://localhost:6379', prefix: 'lw', defaults: { ttl: 10_000 } });
 */
export interface LockModuleForRootOptions extends LockModuleOptions, LockModuleRegistration {}

/**
 * Creates the options of a registration for `forRootAsync({ useClass | useExisting })`.
 *
 * @example
 * @Injectable()
 * class LockConfig implements LockOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   createLockOptions(): LockModuleOptions {
 *     return { redis: this.config.getOrThrow<string>('REDIS_URL') };
 *   }
 * }
 * LockModule.forRootAsync({ imports: [ConfigModule], useClass: LockConfig });
 */
export interface LockOptionsFactory {
  /**
   * The registration's options; may be async (read a secret, connect a client).
   *
   * @example
   * async createLockOptions(): Promise<LockModuleOptions> {
   *   return { redis: await this.secrets.get('REDIS_URL') };
   * }
   */
  createLockOptions(): LockModuleOptions | Promise<LockModuleOptions>;
}

/**
 * Options of `LockModule.forRootAsync`: give one of `useFactory`, `useClass`, `useExisting`.
 *
 * @example
 * LockModule.forRootAsync({
 *   name: 'reports',
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ redis: config.getOrThrow<string>('REPORTS_REDIS_URL') }),
 * });
 */
export interface LockModuleAsyncOptions
  extends LockModuleRegistration, Pick<ModuleMetadata, 'imports'> {
  /**
   * Returns the options; its parameters are the `inject` tokens, in order.
   * @default none: give one of `useFactory`, `useClass`, `useExisting`
   * @example
   * { inject: [ConfigService], useFactory: (config: ConfigService) => ({ redis: config.get('REDIS_URL') }) }
   */
  useFactory?: (...args: never[]) => LockModuleOptions | Promise<LockModuleOptions>;
  /**
   * Providers injected into `useFactory`.
   * @default []
   * @example
   * { inject: [ConfigService, { token: 'REDIS_CLIENT', optional: true }], useFactory }
   */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /**
   * A class the module instantiates to call `createLockOptions()`.
   * @default none: give one of `useFactory`, `useClass`, `useExisting`
   * @example
   * { imports: [ConfigModule], useClass: LockConfig }
   */
  useClass?: Type<LockOptionsFactory>;
  /**
   * An existing provider (from `imports`) whose `createLockOptions()` is called.
   * @default none: give one of `useFactory`, `useClass`, `useExisting`
   * @example
   * { imports: [SettingsModule], useExisting: SettingsService }
   */
  useExisting?: Type<LockOptionsFactory>;
}
