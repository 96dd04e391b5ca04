import type { Logger } from '@nestjs/common';
import { LockConfigError } from '../engine/errors';
import type * as IORedis from 'ioredis';
import { isRedisClient } from '../stores/clients/detect-client';
import type { LockStore } from '../stores/lock-store';
import { RedisLockStore } from '../stores/redis-lock-store';
import type { LockModuleOptions, LockModuleRedisConfig } from './lock-module.options';

/**
 * The store of one or more registrations (those that `inherit` share it). The last registration to
 * let go closes the `RedisLockStore` and client the module opened, never what the user passed in.
 */
export class LockConnection {
  #refs = 1;

  private constructor(
    readonly store: LockStore,
    /** The client the module opened, if any. */
    readonly client: IORedis.Redis | IORedis.Cluster | undefined,
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
    if (isRedisClient(redis)) return new LockConnection(new RedisLockStore(redis), undefined, true);
    // Loaded lazily: ioredis is an optional peer dependency (not needed with `store`).
    const ioredis = await import('ioredis').catch((cause: unknown) => {
      throw new LockConfigError(
        `${where}: option "redis" needs the ioredis package (npm install ioredis), or pass "store" instead.`,
        { cause },
      );
    });
    const client =
      typeof redis === 'object' && 'cluster' in redis
        ? new ioredis.Cluster(redis.cluster, redis.options)
        : new ioredis.Redis(redis as IORedis.RedisOptions);
    // ioredis prints unhandled 'error' events; report the first error of each outage instead.
    let reported = false;
    client.on('error', (error: Error) => {
      if (reported) return;
      reported = true;
      logger.error(
        `Redis connection error: ${error.message} (not repeated until the connection is ready again)`,
      );
    });
    client.on('ready', () => (reported = false));
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
