import { DEFAULT_ENGINE_NAME } from '../decorators/engine-registry';
import { LockConfigError } from '../engine/errors';
import { stripUndefined } from '../engine/options';
import {
  checkOptions,
  defaultsCheck,
  isRecord,
  nonNegativeMs,
  optionError,
  prefixCheck,
  storeCheck,
  storeErrorPolicy,
  trueOrFalse,
  type OptionCheck,
  type OptionSpec,
} from '../engine/validate';
import { isRedisClient } from '../stores/clients/detect-client';
import type {
  LockModuleAsyncOptions,
  LockModuleForRootOptions,
  LockModuleOptions,
  LockModuleRegistration,
} from './lock.interfaces';

/** A registration's name, `inherit` and `isGlobal`, with the name resolved. */
export type Registration = LockModuleRegistration & { name: string };

const nonEmptyString = (value: unknown): boolean => typeof value === 'string' && value.length > 0;
const aFunction = (expected: string): OptionCheck => ({
  expected,
  valid: (value) => typeof value === 'function',
});

const registrationChecks = {
  name: { expected: 'a non-empty string', valid: nonEmptyString },
  inherit: { expected: 'the name of another LockModule registration', valid: nonEmptyString },
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
const registrationSpec: OptionSpec = {
  options: registrationChecks,
  notAnObject,
  unknown: () => undefined,
  rules: [inheritsAnother],
};

const asyncSpec: OptionSpec = {
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
  rules: [
    inheritsAnother,
    (where, options) => {
      const given = ['useFactory', 'useClass', 'useExisting'].filter(
        (k) => options[k] !== undefined,
      ).length;
      if (given === 1) return;
      const name = typeof options['name'] === 'string' ? options['name'] : DEFAULT_ENGINE_NAME;
      throw new LockConfigError(
        `${describeRegistration('forRootAsync', name)}: give exactly one of useFactory, useClass and useExisting (got ${given}).`,
      );
    },
  ],
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
    if (!nonEmptyString(name)) {
      throw optionError(where, 'redis.name', 'the master group name known to the sentinels', name);
    }
  },
};

/**
 * Check a registration's own options (what `forRoot` takes besides the registration, or a
 * factory returns). With `inherits`, neither `redis` nor `store` shares the parent's connection.
 */
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

/** How messages name a registration: `LockModule.forRoot({ name: "reports" })`. */
export function describeRegistration(method: string, name: string): string {
  return name === DEFAULT_ENGINE_NAME
    ? `LockModule.${method}()`
    : `LockModule.${method}({ name: ${JSON.stringify(name)} })`;
}

/** Check `forRoot` options; returns the registration and the module options. */
export function checkForRootOptions(
  options: LockModuleForRootOptions,
): [Registration, LockModuleOptions] {
  checkOptions('LockModule.forRoot()', options, registrationSpec);
  const { name = DEFAULT_ENGINE_NAME, inherit, isGlobal, ...own } = options;
  checkModuleOptions(describeRegistration('forRoot', name), own, inherit !== undefined);
  return [{ name, inherit, isGlobal }, own];
}

/** Check `forRootAsync` options; returns the registration. */
export function checkForRootAsyncOptions(options: LockModuleAsyncOptions): Registration {
  checkOptions('LockModule.forRootAsync()', options, asyncSpec);
  const { name = DEFAULT_ENGINE_NAME, inherit, isGlobal } = options;
  return { name, inherit, isGlobal };
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
