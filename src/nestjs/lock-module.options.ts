import type {
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Type,
} from '@nestjs/common';
import type * as IORedis from 'ioredis';
import { DEFAULT_ENGINE_NAME } from '../decorators/engine-registry';
import { LockConfigError } from '../engine/errors';
import { stripUndefined, type LockEngineOptions } from '../engine/options';
import {
  checkOptions,
  defaultsCheck,
  isRecord,
  nonEmptyString,
  nonNegativeMs,
  optionError,
  prefixCheck,
  storeCheck,
  storeErrorPolicy,
  trueOrFalse,
  type OptionCheck,
  type OptionSpec,
} from '../engine/validate';
import { isRedisClient, type RedisClient } from '../stores/clients/detect-client';
import type { LockStore } from '../stores/lock-store';

/** A Redis Cluster for the module to connect to. */
export interface LockModuleClusterConfig {
  /** Some of the cluster's nodes; ioredis discovers the others. */
  cluster: IORedis.ClusterNode[];
  /** ioredis' `ClusterOptions` for the module's cluster client. */
  options?: IORedis.ClusterOptions;
}

/** A Sentinel-managed master for the module to connect to, with any other ioredis options. */
export interface LockModuleSentinelConfig extends IORedis.RedisOptions {
  /** Some of the sentinels watching the master group. */
  sentinels: Array<Partial<IORedis.SentinelAddress>>;
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
 * LockModule.forRoot({ redis: { cluster: [{ host: 'redis-0', port: 6379 }] } });
 * LockModule.forRoot({ redis: { sentinels: [{ host: 's-0', port: 26379 }], name: 'main' } });
 * LockModule.forRoot({ redis: myClient }); // your client
 */
export type LockModuleRedisConfig =
  | RedisClient
  | IORedis.Redis
  | IORedis.Cluster
  /** A `redis://` or `rediss://` URL (ioredis URL options such as `?db=2` work). */
  | string
  | LockModuleClusterConfig
  | LockModuleSentinelConfig
  | IORedis.RedisOptions;

/** The current time in epoch ms; replaceable to test clock skew between replicas. */
export type LockClock = () => number;

/**
 * Options of one `LockModule` registration (what `forRootAsync`'s factory returns): where the
 * locks live, and the engine's `prefix`, `defaults` and `onStoreError` ({@link LockEngineOptions}).
 */
export interface LockModuleOptions extends Pick<
  LockEngineOptions,
  'prefix' | 'defaults' | 'onStoreError'
> {
  /** The Redis to keep locks in: give it or `store` (or, with `inherit`, neither). */
  redis?: LockModuleRedisConfig;
  /** A `LockStore` instead of `redis` (e.g. a `MemoryLockStore`); the module never closes it. */
  store?: LockStore;
  /**
   * How long shutdown waits for in-flight locked calls before releasing their locks anyway, in ms.
   * @default 10_000
   */
  shutdownTimeout?: number;
  /**
   * What names `@SingleInstanceCron` ticks, for tests of clock skew (expiry is Redis's clock).
   * @default Date.now
   */
  clock?: LockClock;
}

/** How a registration is named and made visible; fixed when the module is defined. */
export interface LockModuleRegistration {
  /**
   * What `@InjectLockEngine(name)`, `@InjectLockService(name)` and `engine: name` refer to.
   * @default 'default'
   */
  name?: string;
  /** Start from this registration's options (`defaults` merged key by key) and connection. */
  inherit?: string;
  /** Make the engine, `LockService` and tokens injectable everywhere (default `true`). */
  isGlobal?: boolean;
}

/** Options of `LockModule.forRoot`. */
export interface LockModuleForRootOptions extends LockModuleOptions, LockModuleRegistration {}

/**
 * Creates a registration's options for `forRootAsync({ useClass | useExisting })`.
 *
 * @example
 * class LockConfig implements LockOptionsFactory {
 *   createLockOptions = () => ({ redis: process.env['REDIS_URL'] });
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
  /** Providers injected into `useFactory` (none by default). */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** A class the module instantiates to call its `createLockOptions()`. */
  useClass?: Type<LockOptionsFactory>;
  /** An existing provider (from `imports`) whose `createLockOptions()` is called. */
  useExisting?: Type<LockOptionsFactory>;
}

const aFunction = (expected: string): OptionCheck => ({
  expected,
  valid: (value) => typeof value === 'function',
});

const registrationChecks = {
  name: nonEmptyString('a non-empty string'),
  inherit: nonEmptyString('the name of another LockModule registration'),
  isGlobal: trueOrFalse,
} satisfies Record<keyof LockModuleRegistration, OptionCheck>;

const inheritsAnother = (where: string, options: Readonly<Record<string, unknown>>): void => {
  const { name = DEFAULT_ENGINE_NAME, inherit } = options;
  if (inherit === name) {
    throw new LockConfigError(
      `${where}: option "inherit" names the registration itself ("${String(name)}"); name another registration.`,
    );
  }
};

const notAnObject = (): string =>
  `the options must be an object such as { redis: 'redis://localhost:6379' }.`;

/** `forRoot`'s registration options; the others are checked as the module's own. */
export const registrationSpec: OptionSpec = {
  options: registrationChecks,
  notAnObject,
  unknown: () => undefined,
  rules: [inheritsAnother],
};

/** `forRootAsync`'s options but for "exactly one of useFactory, useClass, useExisting". */
export const asyncSpec: OptionSpec = {
  options: {
    ...registrationChecks,
    imports: { expected: 'an array of modules', valid: Array.isArray },
    inject: { expected: 'an array of injection tokens', valid: Array.isArray },
    useFactory: aFunction('a function'),
    useClass: aFunction('a class implementing LockOptionsFactory'),
    useExisting: aFunction('a class implementing LockOptionsFactory'),
  },
  notAnObject: () => 'the options must be an object with useFactory, useClass or useExisting.',
  unknown: (_name, known) =>
    ` Known options: ${known} (the lock options themselves come from the factory).`,
  rules: [inheritsAnother],
};

const redisCheck: OptionCheck = {
  expected:
    'a Redis client (ioredis, node-redis or Valkey GLIDE), ioredis options, a redis:// URL, { cluster: nodes } or { sentinels, name }',
  valid: (value) => typeof value === 'string' || isRecord(value),
  then: (where, redis) => {
    if (typeof redis === 'string') {
      if (!/^rediss?:\/\//.test(redis)) {
        throw optionError(where, 'redis', 'a URL starting with redis:// or rediss://', redis);
      }
      return;
    }
    if (isRedisClient(redis)) return;
    const { cluster, sentinels, name } = redis as Record<string, unknown>;
    if (cluster !== undefined && !Array.isArray(cluster)) {
      throw optionError(where, 'redis.cluster', 'an array of cluster nodes', cluster);
    }
    if (sentinels === undefined) return;
    if (!Array.isArray(sentinels)) {
      throw optionError(where, 'redis.sentinels', 'an array of sentinel addresses', sentinels);
    }
    if (typeof name !== 'string' || name === '') {
      throw optionError(where, 'redis.name', 'the master group name known to the sentinels', name);
    }
  },
};

/** Check a registration's own options; with `inherits`, neither `redis` nor `store` is required. */
export function checkModuleOptions(
  where: string,
  options: unknown,
  inherits: boolean,
): asserts options is LockModuleOptions {
  const spec: OptionSpec = {
    options: {
      redis: redisCheck,
      store: storeCheck,
      prefix: prefixCheck,
      defaults: defaultsCheck,
      onStoreError: storeErrorPolicy,
      shutdownTimeout: nonNegativeMs,
      clock: aFunction('a function returning the time in epoch ms'),
    } satisfies Record<keyof LockModuleOptions, OptionCheck>,
    notAnObject,
    unknown: (name, known) =>
      Object.hasOwn(registrationChecks, name)
        ? ` Pass "${name}" to forRootAsync() itself, not from the factory.`
        : ` Known options: ${known}.`,
    rules: [
      (at, { redis, store }) => {
        if (redis !== undefined && store !== undefined) {
          throw new LockConfigError(
            `${at}: give either "redis" or "store", not both (the engine keeps its locks in one place).`,
          );
        }
        if (redis === undefined && store === undefined && !inherits) {
          throw new LockConfigError(
            `${at}: option "redis" or "store" is required, e.g. { redis: 'redis://localhost:6379' } or { store: new MemoryLockStore() }.`,
          );
        }
      },
    ],
  };
  checkOptions(where, options, spec);
}

/**
 * The options of a registration that inherits `parent`: the child's own win, `defaults` are
 * merged key by key, and the parent's `redis`/`store` are not taken (see `LockRegistration`).
 */
export function inheritOptions(
  parent: LockModuleOptions,
  child: LockModuleOptions,
): LockModuleOptions {
  const { redis: _redis, store: _store, ...parentRest } = parent;
  const merged: LockModuleOptions = { ...parentRest, ...stripUndefined(child) };
  if (parent.defaults || child.defaults) {
    merged.defaults = { ...parent.defaults, ...child.defaults };
  }
  return merged;
}
