import Redis from 'ioredis';
import { LockEngine, RedisLockStore, type LockInfo } from 'lockwarden';
import type { RunRecord } from '../../examples/nestjs-app/run-log';
import type { Backend } from './backend';
import { forkReplica } from './forked-replica';
import type { ReplicaOptions } from './protocol';
import type { ThrowawayRedis } from './throwaway-redis';

/**
 * Replicas are processes on one Redis: the user's (`REDIS_URL`), where the demo removes its run
 * log at the end and leaves its lock keys to expire, or a throwaway redis-server it stops.
 */
export class RedisBackend implements Backend {
  readonly kind = 'redis';
  readonly killName = 'SIGKILL';
  readonly #client: Redis;
  readonly #store: RedisLockStore;
  readonly #engine: LockEngine;

  constructor(
    readonly url: string,
    readonly description: string,
    private readonly runLogKey: string,
    prefix: string,
    private readonly server?: ThrowawayRedis,
  ) {
    this.#client = new Redis(url, { maxRetriesPerRequest: 2 });
    this.#client.on('error', () => undefined);
    this.#store = new RedisLockStore(this.#client);
    this.#engine = new LockEngine({ store: this.#store, prefix });
  }

  startReplica(options: Omit<ReplicaOptions, 'redisUrl'>) {
    return forkReplica({ ...options, redisUrl: this.url });
  }

  append(record: RunRecord): Promise<number> {
    return this.#client.rpush(this.runLogKey, JSON.stringify(record));
  }

  readRunLog(): Promise<string[]> {
    return this.#client.lrange(this.runLogKey, 0, -1);
  }

  inspect(key: string): Promise<LockInfo | null> {
    return this.#engine.inspect(key);
  }

  get closing(): string {
    return this.server
      ? `the Redis connection and stopping redis-server (pid ${this.server.pid}; up to 3 s, then SIGKILL)`
      : `the Redis connection, after deleting this run's log (${this.runLogKey})`;
  }

  abandon(): void {
    this.server?.kill();
  }

  async close(): Promise<void> {
    try {
      if (!this.server) await this.#client.del(this.runLogKey);
      await this.#engine.close();
      await this.#store.close();
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    } finally {
      await this.server?.stop();
    }
  }
}
