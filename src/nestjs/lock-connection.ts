import type { Logger } from '@nestjs/common';
import { LockConfigError } from '../engine/errors';
import type * as IORedis from 'ioredis';
import { isRedisClient, type RedisClient } from '../stores/clients/detect-client';
import type { LockStore } from '../stores/lock-store';
import { RedisLockStore } from '../stores/redis-lock-store';
import type { LockModuleOptions, LockModuleRedisConfig } from './lock.interfaces';

/** A connection the module opens itself for the `{ redis: url | options }` shortcut. */
type OwnedClient = IORedis.Redis | IORedis.Cluster;

/**
 * The store of one or more registrations, and what the module itself opened for it. Whoever
 * opens a connection or store closes it: the module closes the `RedisLockStore` it built and the
 * Redis client it created, never a client or store the user passed in. The connection is closed
 * when the last registration using it (registrations that `inherit` share it) lets go.
 */
export class LockConnection {
  #refs = 1;

  private constructor(
    /** The store engines use. */
    readonly store: LockStore,
    /** The Redis client the module opened for the store, if it opened one (it closes it). */
    readonly client: OwnedClient | undefined,
    /** Whether the module created the store (and so closes it). */
    readonly ownsStore: boolean,
  ) {}

  /** Open what `options.redis` / `options.store` describe. */
  static async open(
    where: string,
    options: LockModuleOptions,
    logger: Logger,
  ): Promise<LockConnection> {
    if (options.store) return new LockConnection(options.store, undefined, false);
    const redis = options.redis as LockModuleRedisConfig;
    // A client of any kind the user created (ioredis, node-redis, Valkey GLIDE): used, never closed.
    if (isRedisClient(redis)) return new LockConnection(new RedisLockStore(redis), undefined, true);
    const client = await createClient(where, redis, logger);
    return new LockConnection(new RedisLockStore(client), client, true);
  }

  /** One more registration uses this connection. */
  share(): this {
    this.#refs += 1;
    return this;
  }

  /** A registration is done with the connection; the last one closes what the module opened. */
  async release(): Promise<void> {
    this.#refs -= 1;
    if (this.#refs > 0) return;
    if (this.ownsStore) await this.store.close?.();
    const client = this.client;
    if (!client) return;
    // QUIT waits for pending replies; on a connection that is down it would queue forever.
    if (client.status === 'ready') await client.quit().catch(() => undefined);
    client.disconnect();
  }
}

async function createClient(
  where: string,
  config: Exclude<LockModuleRedisConfig, RedisClient>,
  logger: Logger,
): Promise<OwnedClient> {
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
  let client: OwnedClient;
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
