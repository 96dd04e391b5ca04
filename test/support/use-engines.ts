import type { RedisOptions } from 'ioredis';
import {
  configureLocks,
  LockEngine,
  MemoryLockStore,
  RedisLockStore,
  unregisterLockEngine,
  type LockEngineOptions,
  type LockStore,
  type RedisClient,
  type RedisLockStoreOptions,
} from '../../src';
import { defer } from './cleanup';
import type { RedisHandle } from './redis/use-redis-server';

/** What `create()` builds; every field is optional. */
export interface EngineSetup extends Partial<LockEngineOptions> {
  /** Options of the new connection the engine's RedisLockStore gets (not used with `store`). */
  client?: RedisOptions;
  /** A connection of the test's own for that RedisLockStore, instead of a new one. */
  connection?: RedisClient;
  /** Options of that RedisLockStore (not used with `store`). */
  storeOptions?: RedisLockStoreOptions;
  /** Register the engine for `@Locked` under this name (`'default'` too) while it is open. */
  register?: string;
}

export interface Engines {
  /**
   * A LockEngine with prefix `lw` over `setup.store`, else over a new store: a RedisLockStore on
   * a new connection to the server, or a MemoryLockStore when there is no server.
   */
  create(setup?: EngineSetup): LockEngine;
  /** A new store as `create()` would make it, closed with the test (or file). */
  store(
    setup?: Pick<EngineSetup, 'client' | 'connection' | 'storeOptions'>,
  ): LockStore & { close(): Promise<void> };
}

/**
 * Engines and stores for tests. Whatever is made inside a test is closed right after it (engine
 * first, then the store it was made with), whatever is made in `beforeAll` after the file; both
 * before the server stops.
 */
export function useEngines(redis?: RedisHandle): Engines {
  const store: Engines['store'] = (setup = {}) => {
    const made = redis
      ? new RedisLockStore(setup.connection ?? redis.client(setup.client), setup.storeOptions)
      : new MemoryLockStore();
    defer(() => made.close());
    return made;
  };
  return {
    store,
    create({ client, connection, storeOptions, register, ...options } = {}) {
      const engine = new LockEngine({
        prefix: 'lw',
        ...options,
        store: options.store ?? store({ client, connection, storeOptions }),
      });
      if (register) configureLocks(engine, { name: register });
      defer(async () => {
        if (register) unregisterLockEngine(register, engine);
        await engine.close();
      });
      return engine;
    },
  };
}
