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

/** A Redis Cluster to connect to: the seed nodes and ioredis' cluster options. */
export interface LockModuleClusterConfig {
  cluster: ClusterNode[];
  options?: ClusterOptions;
}

/** A Sentinel-managed master to connect to (any other ioredis option may be added). */
export interface LockModuleSentinelConfig extends RedisOptions {
  sentinels: Array<Partial<SentinelAddress>>;
  /** The master group name known to the sentinels. */
  name: string;
}

/**
 * Where the module's Redis is. A client you created (ioredis `Redis` or `Cluster`, a connected
 * node-redis client or cluster, a Valkey GLIDE client) is used as is and never closed by the
 * module; anything else makes the module open its own ioredis connection, which it closes on
 * shutdown.
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
 * Options of one `LockModule` registration (what `useFactory` returns in `forRootAsync`):
 * where the locks live, the engine's `prefix`, `defaults` and `onStoreError` (under `'throw'`,
 * `@SingleInstanceCron` ticks are skipped and logged), and shutdown.
 */
export interface LockModuleOptions extends Pick<
  LockEngineOptions,
  'prefix' | 'defaults' | 'onStoreError'
> {
  /**
   * The Redis to keep locks in. Give exactly one of `redis` and `store` (or neither with
   * `inherit`, to share the inherited registration's connection).
   */
  redis?: LockModuleRedisConfig;
  /**
   * Any `LockStore` (e.g. a `MemoryLockStore` in tests) instead of `redis`. The module does not
   * close it: whoever creates a store closes it.
   */
  store?: LockStore;
  /**
   * On application shutdown, how long to wait for in-flight locked calls (`@Locked` methods,
   * `withLock`, `@SingleInstanceCron` runs) to finish before their locks are released anyway.
   * @default 10_000
   */
  shutdownTimeout?: number;
  /**
   * The clock `@SingleInstanceCron` reads to decide which scheduled tick is firing. Only for
   * tests that simulate clock skew; lock expiry is always measured by Redis.
   * @default Date.now
   */
  clock?: LockClock;
}

/** How a registration is named and made visible; fixed when the module is defined. */
export interface LockModuleRegistration {
  /**
   * The registration's name, for `@InjectLockEngine(name)`, `@InjectLockService(name)`,
   * `@Locked({ engine: name })` and `@SingleInstanceCron(..., { engine: name })`.
   * @default 'default'
   */
  name?: string;
  /**
   * Start from the options of the registration with this name and apply these on top
   * (`defaults` are merged key by key). Without `redis`/`store` of its own the registration
   * shares the inherited one's connection.
   */
  inherit?: string;
  /**
   * Make the engine, `LockService` and tokens injectable everywhere without importing the module.
   * @default true
   */
  isGlobal?: boolean;
}

/** Options of `LockModule.forRoot`. */
export interface LockModuleForRootOptions extends LockModuleOptions, LockModuleRegistration {}

/** Creates the options of a registration for `forRootAsync({ useClass | useExisting })`. */
export interface LockOptionsFactory {
  createLockOptions(): LockModuleOptions | Promise<LockModuleOptions>;
}

/** Options of `LockModule.forRootAsync`: give one of `useFactory`, `useClass`, `useExisting`. */
export interface LockModuleAsyncOptions
  extends LockModuleRegistration, Pick<ModuleMetadata, 'imports'> {
  /** Returns the options; its parameters are the `inject` tokens, in order. */
  useFactory?: (...args: never[]) => LockModuleOptions | Promise<LockModuleOptions>;
  /** Providers injected into `useFactory`. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** A class the module instantiates to call `createLockOptions()`. */
  useClass?: Type<LockOptionsFactory>;
  /** An existing provider (from `imports`) whose `createLockOptions()` is called. */
  useExisting?: Type<LockOptionsFactory>;
}
