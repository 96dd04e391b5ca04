import { LockConfigError } from '../engine/errors';
import { optionError, stripUndefined, validateEngineSettings } from '../engine/options';
import { DEFAULT_LOCK_NAME } from './lock.constants';
import { isRedisClient } from './lock-connection';
import type {
  LockModuleOptions,
  LockModuleRedisConfig,
  LockModuleRegistration,
} from './lock.interfaces';

const MODULE_OPTION_NAMES = [
  'redis',
  'store',
  'prefix',
  'defaults',
  'onStoreError',
  'shutdownTimeout',
  'clock',
] as const;
const REGISTRATION_OPTION_NAMES = ['name', 'inherit', 'isGlobal'] as const;

/** How an error message names a registration: `LockModule.forRoot({ name: "reports" })`. */
export function describeRegistration(method: string, name: string): string {
  return name === DEFAULT_LOCK_NAME
    ? `LockModule.${method}()`
    : `LockModule.${method}({ name: ${JSON.stringify(name)} })`;
}

/** Check the registration part of `forRoot`/`forRootAsync` options; resolves the name. */
export function validateRegistration(where: string, registration: LockModuleRegistration): string {
  const { name = DEFAULT_LOCK_NAME, inherit, isGlobal } = registration;
  if (typeof name !== 'string' || name.length === 0) {
    throw optionError(where, 'name', 'a non-empty string', name);
  }
  if (inherit !== undefined) {
    if (typeof inherit !== 'string' || inherit.length === 0) {
      throw optionError(where, 'inherit', 'the name of another LockModule registration', inherit);
    }
    if (inherit === name) {
      throw new LockConfigError(
        `${where}: option "inherit" names the registration itself ("${name}"); name another registration.`,
      );
    }
  }
  if (isGlobal !== undefined && typeof isGlobal !== 'boolean') {
    throw optionError(where, 'isGlobal', 'true or false', isGlobal);
  }
  return name;
}

/**
 * Check a registration's own options. `inherits` relaxes the rule that exactly one of `redis`
 * and `store` is given (neither means "share the inherited connection"). `extraNames` are the
 * registration options accepted alongside (for `forRoot`).
 */
export function validateModuleOptions(
  where: string,
  options: unknown,
  inherits: boolean,
  extraNames: readonly string[] = [],
): asserts options is LockModuleOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new LockConfigError(
      `${where}: the options must be an object such as { redis: 'redis://localhost:6379' }.`,
    );
  }
  const record = options as Record<string, unknown>;
  const known: readonly string[] = [...MODULE_OPTION_NAMES, ...extraNames];
  for (const name of Object.keys(record)) {
    if (!known.includes(name)) {
      const hint = (REGISTRATION_OPTION_NAMES as readonly string[]).includes(name)
        ? ` Pass "${name}" to forRootAsync() itself, not from the factory.`
        : ` Known options: ${known.join(', ')}.`;
      throw new LockConfigError(`${where}: unknown option "${name}".${hint}`);
    }
  }
  const { redis, store, prefix, defaults, onStoreError, shutdownTimeout, clock } = record;
  if (redis !== undefined && store !== undefined) {
    throw new LockConfigError(
      `${where}: give either "redis" or "store", not both (the engine keeps its locks in one place).`,
    );
  }
  if (redis === undefined && store === undefined && !inherits) {
    throw new LockConfigError(
      `${where}: option "redis" or "store" is required, e.g. { redis: 'redis://localhost:6379' } or { store: new MemoryLockStore() }.`,
    );
  }
  if (redis !== undefined) validateRedis(where, redis);
  validateEngineSettings(where, { store, prefix, defaults, onStoreError });
  if (
    shutdownTimeout !== undefined &&
    !(
      typeof shutdownTimeout === 'number' &&
      Number.isSafeInteger(shutdownTimeout) &&
      shutdownTimeout >= 0
    )
  ) {
    throw optionError(
      where,
      'shutdownTimeout',
      'an integer number of milliseconds >= 0',
      shutdownTimeout,
    );
  }
  if (clock !== undefined && typeof clock !== 'function') {
    throw optionError(where, 'clock', 'a function returning the time in epoch ms', clock);
  }
}

function validateRedis(where: string, redis: unknown): asserts redis is LockModuleRedisConfig {
  if (typeof redis === 'string') {
    if (!/^rediss?:\/\//.test(redis)) {
      throw optionError(where, 'redis', 'a URL starting with redis:// or rediss://', redis);
    }
    return;
  }
  if (typeof redis !== 'object' || redis === null || Array.isArray(redis)) {
    throw optionError(
      where,
      'redis',
      'an ioredis client, ioredis options, a redis:// URL, { cluster: nodes } or { sentinels, name }',
      redis,
    );
  }
  if (isRedisClient(redis)) return;
  const record = redis as Record<string, unknown>;
  if ('cluster' in record && !Array.isArray(record['cluster'])) {
    throw optionError(where, 'redis.cluster', 'an array of cluster nodes', record['cluster']);
  }
  if ('sentinels' in record) {
    if (!Array.isArray(record['sentinels'])) {
      throw optionError(
        where,
        'redis.sentinels',
        'an array of sentinel addresses',
        record['sentinels'],
      );
    }
    if (typeof record['name'] !== 'string' || record['name'].length === 0) {
      throw optionError(
        where,
        'redis.name',
        'the master group name known to the sentinels',
        record['name'],
      );
    }
  }
}

/**
 * The options of a registration that inherits `parent`: the child's own options win, `defaults`
 * are merged key by key. A child without `redis`/`store` keeps neither (it shares the parent's
 * connection, see `LockRegistration`).
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

/** Split `forRoot` options into the registration part and the module options. */
export function splitForRootOptions(
  options: LockModuleOptions & LockModuleRegistration,
): [LockModuleRegistration, LockModuleOptions] {
  const { name, inherit, isGlobal, ...rest } = options;
  return [{ name, inherit, isGlobal }, rest];
}
