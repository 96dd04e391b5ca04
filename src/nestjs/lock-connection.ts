import type { Logger } from '@nestjs/common';
import { LockConfigError } from '../engine/errors';
import type * as IORedis from 'ioredis';
import { isRedisClient } from '../stores/clients/detect-client';
import type { LockStore } from '../stores/lock-store';
import { RedisLockStore, type RedisClient } from '../stores/redis-lock-store';
import type { LockModuleOptions, LockModuleRedisConfig } from './lock.interfaces';

// The stores' one client detection, also used to tell a client from connection options.
export { isRedisClient };

/**
 * The store of one or more registrations and what the module opened for it. Engines get
 * {@link LockConnection.store}, a view without `close`, so closing an engine never closes a
 * connection another registration (one that `inherit`s) still uses; the connection itself is
 * closed when the last registration using it lets go.
 */
export class LockConnection {
  /** The store engines use: the real one minus `close`. */
  readonly store: LockStore;
  /** The Redis client behind the store, if the module built a `RedisLockStore`. */
  readonly client: RedisClient | undefined;
  readonly #inner: LockStore;
  readonly #ownsClient: boolean;
  #refs = 1;

  private constructor(inner: LockStore, client: RedisClient | undefined, ownsClient: boolean) {
    this.#inner = inner;
    this.client = client;
    this.#ownsClient = ownsClient;
    this.store = withoutClose(inner);
  }

  /** Open what `options.redis` / `options.store` describe. */
  static async open(
    where: string,
    options: LockModuleOptions,
    logger: Logger,
  ): Promise<LockConnection> {
    if (options.store) return new LockConnection(options.store, undefined, false);
    const redis = options.redis as LockModuleRedisConfig;
    if (isRedisClient(redis)) {
      return new LockConnection(new RedisLockStore(redis), redis, false);
    }
    const client = await createClient(where, redis, logger);
    return new LockConnection(new RedisLockStore(client), client, true);
  }

  /** Whether the module opened the Redis connection (and so closes it). */
  get ownsClient(): boolean {
    return this.#ownsClient;
  }

  /** One more registration uses this connection. */
  share(): this {
    this.#refs += 1;
    return this;
  }

  /**
   * A registration is done with the connection. The last one closes the store (its subscriber
   * connection) and the Redis client if the module opened it; a client the user passed in stays
   * open.
   */
  async release(): Promise<void> {
    this.#refs -= 1;
    if (this.#refs > 0) return;
    await this.#inner.close?.();
    const client = this.client;
    if (!client || !this.#ownsClient) return;
    // QUIT waits for pending replies; on a connection that is down it would queue forever.
    if (client.status === 'ready') await client.quit().catch(() => undefined);
    client.disconnect();
  }
}

async function createClient(
  where: string,
  config: Exclude<LockModuleRedisConfig, RedisClient>,
  logger: Logger,
): Promise<RedisClient> {
  let ioredis: typeof IORedis;
  try {
    // Loaded lazily: ioredis is an optional peer dependency (not needed with `store`).
    ioredis = await import('ioredis');
  } catch (cause) {
    throw new LockConfigError(
      `${where}: option "redis" needs the ioredis package (npm install ioredis), or pass "store" instead.`,
      { cause },
    );
  }
  let client: RedisClient;
  if (typeof config === 'string') {
    client = new ioredis.Redis(config);
  } else if ('cluster' in config) {
    client = new ioredis.Cluster(config.cluster, config.options);
  } else {
    client = new ioredis.Redis(config);
  }
  // ioredis prints unhandled 'error' events; report the first error of each outage instead.
  let reported = false;
  client.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    logger.error(
      `Redis connection error: ${error.message} (not repeated until the connection is ready again)`,
    );
  });
  client.on('ready', () => {
    reported = false;
  });
  return client;
}

function withoutClose(store: LockStore): LockStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'close') return undefined;
      const value: unknown = Reflect.get(target, property, target);
      // Bound to the real store: its methods use private fields.
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
