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
 * A Redis Cluster for the module to connect to.
 *
 * @example
 * LockModule.forRoot({ redis: { cluster: [{ host: 'redis-0', port: 6379 }], options: { scaleReads: 'master' } } });
 */
export interface LockModuleClusterConfig {
  /** Some of the cluster's nodes; ioredis discovers the others. */
  cluster: ClusterNode[];
  /** ioredis' `ClusterOptions` for the module's cluster client. */
  options?: ClusterOptions;
}

/**
 * A Sentinel-managed master for the module to connect to (other ioredis options may be added).
 *
 * @example
 * LockModule.forRoot({ redis: { sentinels: [{ host: 'sentinel-0', port: 26379 }], name: 'mymaster' } });
 */
export interface LockModuleSentinelConfig extends RedisOptions {
  /** Some of the sentinels watching the master group. */
  sentinels: Array<Partial<SentinelAddress>>;
  /** The master group name known to the sentinels. */
  name: string;
}

/**
 * Where the module's Redis is. A client you created (ioredis, node-redis, Valkey GLIDE) is used
 * and never closed by the module; for anything else the module opens an ioredis connection and
 * closes it on shutdown.
 *
 * @example
 * LockModule.forRoot({ redis: 'redis://localhost:6379/2' }); // a URL
 * LockModule.forRoot({ redis: { host: 'localhost', port: 6379 } }); // ioredis options
 * LockModule.forRoot({ redis: myClient }); // your client
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

/** The current time in epoch ms; replaceable to test clock skew between replicas. */
export type LockClock = () => number;

/**
 * Options of one `LockModule` registration (what `forRootAsync`'s factory returns): where the
 * locks live, and the engine's `prefix`, `defaults` and `onStoreError` (see
 * {@link LockEngineOptions}).
 *
 * @example
 * const options: LockModuleOptions = { redis: process.env['REDIS_URL'], defaults: { ttl: 10_000 } };
 */
export interface LockModuleOptions extends Pick<
  LockEngineOptions,
  'prefix' | 'defaults' | 'onStoreError'
> {
  /**
   * The Redis to keep locks in. Give exactly one of `redis` and `store`, or neither with
   * `inherit` to share the inherited registration's connection.
   */
  redis?: LockModuleRedisConfig;
  /** A `LockStore` instead of `redis` (e.g. a `MemoryLockStore`); the module never closes it. */
  store?: LockStore;
  /**
   * On shutdown, how long in-flight locked calls (`@Locked`, `withLock`, `@SingleInstanceCron`
   * runs) may take to finish before their locks are released anyway, in ms.
   * @default 10_000
   */
  shutdownTimeout?: number;
  /**
   * The clock that names `@SingleInstanceCron` ticks, for tests of clock skew (lock expiry is
   * always Redis's clock).
   * @default Date.now
   */
  clock?: LockClock;
}

/** How a registration is named and made visible; fixed when the module is defined. */
export interface LockModuleRegistration {
  /**
   * The name `@InjectLockEngine`, `@InjectLockService` and the `engine` option of `@Locked` and
   * `@SingleInstanceCron` refer to.
   * @default 'default'
   */
  name?: string;
  /**
   * Start from the options of the registration with this name (`defaults` merged key by key);
   * without `redis`/`store` of its own, share its connection.
   * @example
   * LockModule.forRoot({ name: 'slow', inherit: 'default', defaults: { waitTimeout: 60_000 } });
   */
  inherit?: string;
  /**
   * Make the engine, `LockService` and tokens injectable without importing the module.
   * @default true
   */
  isGlobal?: boolean;
}

/** Options of `LockModule.forRoot`. */
export interface LockModuleForRootOptions extends LockModuleOptions, LockModuleRegistration {}

/**
 * Creates a registration's options for `forRootAsync({ useClass | useExisting })`.
 *
 * @example
 * @Injectable()
 * class LockConfig implements LockOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   createLockOptions(): LockModuleOptions {
 *     return { redis: this.config.getOrThrow<string>('REDIS_URL') };
 *   }
 * }
 */
export interface LockOptionsFactory {
  /** The registration's options (may be async). */
  createLockOptions(): LockModuleOptions | Promise<LockModuleOptions>;
}

/** Options of `LockModule.forRootAsync`: give one of `useFactory`, `useClass`, `useExisting`. */
export interface LockModuleAsyncOptions
  extends LockModuleRegistration, Pick<ModuleMetadata, 'imports'> {
  /** Returns the options; its parameters are the `inject` tokens, in order. */
  useFactory?: (...args: never[]) => LockModuleOptions | Promise<LockModuleOptions>;
  /**
   * Providers injected into `useFactory`.
   * @default []
   */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** A class the module instantiates to call its `createLockOptions()`. */
  useClass?: Type<LockOptionsFactory>;
  /** An existing provider (from `imports`) whose `createLockOptions()` is called. */
  useExisting?: Type<LockOptionsFactory>;
}
