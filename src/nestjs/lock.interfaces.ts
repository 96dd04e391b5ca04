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
import type { StoreErrorPolicy, WithLockOptions } from '../engine/options';
import type { LockStore } from '../stores/lock-store';

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
 * Where the module's Redis is. An ioredis client you created (`Redis` or `Cluster`) is used as
 * is and never closed by the module; anything else makes the module open its own connection,
 * which it closes on shutdown.
 */
export type LockModuleRedisConfig =
  | Redis
  | Cluster
  /** A `redis://` or `rediss://` URL (ioredis URL options such as `?db=2` work). */
  | string
  | LockModuleClusterConfig
  | LockModuleSentinelConfig
  | RedisOptions;

/** The current time in epoch ms; replaceable to test clock skew between replicas. */
export type LockClock = () => number;

/** Options of one `LockModule` registration (what `useFactory` returns in `forRootAsync`). */
export interface LockModuleOptions {
  /**
   * The Redis to keep locks in. Give exactly one of `redis` and `store` (or neither with
   * `inherit`, to share the inherited registration's connection).
   */
  redis?: LockModuleRedisConfig;
  /** Any `LockStore` (e.g. a `MemoryLockStore` in tests) instead of `redis`. */
  store?: LockStore;
  /**
   * Prepended to every key (`lw:{orders:42}`), so several applications can share one Redis.
   * Must not contain `{` or `}`; `''` for none.
   * @default 'lw'
   */
  prefix?: string;
  /** Acquire options used when a call (or `@Locked`) does not set them. */
  defaults?: WithLockOptions;
  /**
   * What locked calls do when Redis fails: `'throw'` (fail closed) or `'run'` (run unlocked and
   * log). `@SingleInstanceCron` ticks are skipped and logged under `'throw'`.
   * @default 'throw'
   */
  onStoreError?: StoreErrorPolicy;
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

/** Options of `LockService.createLock`. */
export interface CreateLockOptions {
  /**
   * Time to live of the lock in ms. The handle does not renew it unless `autoExtend` is set;
   * call `extend()` to push the expiry back.
   * @default 30_000
   */
  ttl?: number;
  /**
   * How many retries `acquire()` makes after its first attempt.
   * @default unlimited (bounded by `waitTimeout`)
   */
  retryCount?: number;
  /**
   * First delay between attempts in ms (backed off exponentially; a release wakes waiters
   * earlier).
   * @default 250
   */
  retryDelay?: number;
  /**
   * How long `acquire()` keeps trying, in ms.
   * @default 10_000
   */
  waitTimeout?: number;
  /**
   * Renew the lock while the handle holds it (`true`: every `ttl / 3`).
   * @default false
   */
  autoExtend?: boolean | { interval: number };
  /**
   * Stored with the lock and shown by `getLockInfo`.
   * @default `${hostname}:${pid}`
   */
  metadata?: string;
  /**
   * Fair (FIFO) lock: `acquire()` waits its turn behind callers that started waiting earlier,
   * across all processes.
   * @default false
   */
  fair?: boolean;
}

/** Options of `LockService.withLock` and `runWithLock`. */
export interface LockServiceWithLockOptions extends Omit<WithLockOptions, 'onBusy'> {
  /**
   * `'wait'` waits up to `waitTimeout`; `'throw'` makes one attempt.
   * @default 'wait'
   */
  onBusy?: 'wait' | 'throw';
}

/** What `LockService.runWithLock` resolves to. */
export type RunWithLockResult<T> =
  { acquired: true; result: T } | { acquired: false; result: undefined };

/** What `LockService.getLockInfo` resolves to; never the owner token. */
export interface LockInfoResult {
  /** Whether someone holds the lock now. */
  exists: boolean;
  /** Remaining time to live in ms, by the store's clock; `null` when free. */
  ttl: number | null;
  /** The holder's fencing token; `null` when free. */
  fence: number | null;
  /** The holder's metadata (host:pid by default); `null` when free. */
  metadata: string | null;
}
