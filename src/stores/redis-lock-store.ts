import { randomBytes } from 'node:crypto';
// The module's own, which fake timers (installed on the global object) leave alone: yielding a
// turn must not wait for a test to advance a fake clock.
import { setImmediate as afterPendingWork } from 'node:timers/promises';
import { LockStoreError } from '../engine/errors';
import { checkOptions, positiveMs, type OptionSpec } from '../engine/validate';
import { detectClient, type RedisClient } from './clients/detect-client';
import { keySlot } from './clients/key-slot';
import type { PortScript, PubSubMode, RedisPort } from './clients/redis-port';
import { redactError } from './redact-error';
import { evictionWarnings } from './redis-configuration';
import {
  ACQUIRE_MANY_LIMIT,
  fenceKeyOf,
  queueKeyOf,
  releaseChannelOf,
  RENEW_CHUNK,
  SCRIPTS,
  SHARDED_PUBSUB_VERSION,
  waiterDeadlinesKeyOf,
  waiterRecordsKeyOf,
} from './redis-layout';
import { ReleaseSubscriptions } from './release-subscriptions';
import {
  ACQUIRE_DEFAULTS,
  acquireResult,
  RELEASE_DEFAULTS,
  renewManyCalls,
  withoutDefaultTail,
} from './script-calls';
import {
  DEFAULT_FENCE_GRACE,
  DEFAULT_WAITER_TTL,
  type AcquireManyRequest,
  type AcquireManyResult,
  type AcquireResult,
  type LockInfo,
  type LockStore,
  type ReleaseOptions,
  type RenewRequest,
  type StoreAcquireManyOptions,
  type StoreAcquireOptions,
  type StoreGrant,
} from './lock-store';

export type { RedisClient };
export {
  ACQUIRE_MANY_LIMIT,
  DEFAULT_WAITER_TTL,
  RENEW_CHUNK,
  fenceKeyOf,
  queueKeyOf,
  releaseChannelOf,
  waiterDeadlinesKeyOf,
  waiterRecordsKeyOf,
};

/**
 * Options of {@link RedisLockStore}.
 *
 * @example
 * const store = new RedisLockStore(redis, { fenceGrace: 5 * 60_000 });
 */
export interface RedisLockStoreOptions {
  /**
   * How long the last issued fence of a lock outlives the lock itself, in ms. Fences come from
   * the server clock; this grace keeps them increasing across a clock step back of up to this
   * long. A positive integer.
   * @default 60_000
   * @example
   * new RedisLockStore(redis, { fenceGrace: 10 * 60_000 }); // servers whose clocks may step back 10 min
   */
  fenceGrace?: number;
}

/**
 * A {@link LockStore} on Redis, over any supported client (ioredis, node-redis, Valkey GLIDE; a
 * single server, Sentinel or a Cluster): one EVALSHA per operation, renewals that fall due
 * together in one call per hash slot, release notifications over a subscriber connection that
 * the store opens itself while someone waits (and closes in {@link RedisLockStore.close}). The
 * client passed in is never closed by the store. Errors it rejects with are redacted copies of
 * the client's: they never carry the command's arguments (owner tokens among them).
 *
 * @example
 * const redis = new Redis(); // or new Cluster([...]), createClient(), GlideClient.createClient(...)
 * const store = new RedisLockStore(redis);
 * const engine = new LockEngine({ store });
 * // ...
 * await engine.close();
 * await store.close(); // its subscriber connection
 * await redis.quit(); // yours
 */
export class RedisLockStore implements LockStore {
  /** A release grants the lock to the live head of the key's queue (see `LockStore.grants`). */
  readonly grants = true;
  readonly #port: RedisPort;
  readonly #fenceGrace: number;
  readonly #subscriptions: ReleaseSubscriptions;
  /**
   * Names this store's own grant channel of each lock (`<key>:rel:<id>`): its waiters' grants are
   * announced there, so other stores' subscribers are not woken by them. Not a secret.
   */
  readonly #channelId = randomBytes(9).toString('base64url');
  #pubSubMode: Promise<PubSubMode> | undefined;
  #closed = false;
  #configuration: Promise<readonly string[]> | undefined;

  /**
   * @param client the Redis client to use, which you created (and close yourself): an ioredis
   * `Redis` or `Cluster`, a connected node-redis `createClient()` or `createCluster()` client, or
   * a Valkey GLIDE `GlideClient` or `GlideClusterClient`.
   * @param options see {@link RedisLockStoreOptions}
   * @example
   * const store = new RedisLockStore(new Redis({ host: '127.0.0.1', port: 6379 }));
   */
  constructor(client: RedisClient, options: RedisLockStoreOptions = {}) {
    const where = 'new RedisLockStore()';
    this.#port = detectClient(client, where);
    this.#fenceGrace = storeOptions(where, options).fenceGrace ?? DEFAULT_FENCE_GRACE;
    this.#subscriptions = new ReleaseSubscriptions(
      this.#port,
      () => this.#mode(),
      `:${this.#channelId}`,
    );
  }

  acquire(
    key: string,
    owner: string,
    ttl: number,
    options: StoreAcquireOptions = {},
  ): Promise<AcquireResult> {
    const args = [
      owner,
      ttl,
      options.once ? 'once' : options.fair ? 'fair' : 'plain',
      options.metadata ?? '',
      // Only a fair attempt queues where a grant can follow: it names this store's channel.
      // '~' marks a waiter a release may overtake (see include/grant-head.lua).
      options.fair && !options.once ? (options.overtakable ? '~' : '') + this.#channelId : '',
      options.waiterTtl ?? DEFAULT_WAITER_TTL,
      this.#fenceGrace,
    ];
    return this.#run(
      SCRIPTS.acquire,
      [owner],
      [key, fenceKeyOf(key), queueKeyOf(key), waiterDeadlinesKeyOf(key), waiterRecordsKeyOf(key)],
      withoutDefaultTail(args, ACQUIRE_DEFAULTS),
    ).then(acquireResult);
  }

  /**
   * One `acquire-many` script call for the whole set: on a single server always, on a cluster
   * when every key lies in one hash slot (else `null`, before asking anything), for at most
   * `ACQUIRE_MANY_LIMIT` (64) keys.
   */
  async acquireMany(
    requests: readonly AcquireManyRequest[],
    options: StoreAcquireManyOptions = {},
  ): Promise<AcquireManyResult | null> {
    if (requests.length === 0 || requests.length > ACQUIRE_MANY_LIMIT) return null;
    if (this.#port.cluster) {
      const slot = keySlot(requests[0]!.key);
      if (requests.some((r) => keySlot(r.key) !== slot)) return null;
    }
    const reply = (await this.#run(
      SCRIPTS.acquireMany,
      requests.map((r) => r.owner),
      requests.flatMap((r) => [r.key, fenceKeyOf(r.key), queueKeyOf(r.key)]),
      [...requests.flatMap((r) => [r.owner, r.ttl]), options.metadata ?? '', this.#fenceGrace],
    )) as number[];
    if (reply[0] === 1) return { acquired: true, fences: reply.slice(1) };
    return { acquired: false, busy: reply[1]! - 1, ttl: reply[2]! };
  }

  async renew(key: string, owner: string, ttl: number): Promise<boolean> {
    const reply = await this.#run(
      SCRIPTS.renew,
      [owner],
      [key, fenceKeyOf(key)],
      [owner, ttl, this.#fenceGrace],
    );
    return reply === 1;
  }

  /**
   * One `renew-many` script call per hash slot (per 100 locks at most), all sent in one
   * batch: one round trip per node. On a single server all locks share one call per chunk.
   */
  async renewMany(requests: readonly RenewRequest[]): Promise<Array<boolean | Error>> {
    const owners = requests.map((r) => r.owner);
    const { chunks, calls } = renewManyCalls(requests, this.#port.cluster, this.#fenceGrace);
    let replies: unknown[];
    try {
      replies = await this.#port.batch(calls);
    } catch (error) {
      throw redactError(error, owners);
    }
    const results = new Array<boolean | Error>(requests.length);
    chunks.forEach((chunk, c) => {
      const reply = replies[c];
      chunk.forEach((i, j) => {
        results[i] = Array.isArray(reply)
          ? reply[j] === 1
          : redactError(reply instanceof Error ? reply : new LockStoreError(String(reply)), owners);
      });
    });
    return results;
  }

  release(key: string, owner: string, options?: ReleaseOptions): Promise<boolean> {
    const mode = this.#publishMode([owner]);
    return typeof mode === 'string'
      ? this.#release(key, owner, options?.successor, mode)
      : mode.then((known) => this.#release(key, owner, options?.successor, known));
  }

  #release(
    key: string,
    owner: string,
    successor: string | undefined,
    mode: PubSubMode,
  ): Promise<boolean> {
    const args = withoutDefaultTail(
      [owner, this.#channelId, this.#fenceGrace, mode, successor ?? ''],
      RELEASE_DEFAULTS,
    );
    return this.#run(SCRIPTS.release, [owner], this.#queueKeys(key), args).then((reply) => {
      // 1: released, nothing for this store to hear; 0: not held by this owner.
      if (!Array.isArray(reply)) return reply === 1;
      // A grant to a waiter of this process reaches it with this reply, not a trip later, and
      // that waiter goes first: our caller resumes a turn of the event loop later, so its next
      // step (often taking the lock again, which only queues) does not delay the new holder.
      if (this.#subscriptions.deliverReleased(releaseChannelOf(key), String(reply[1]))) {
        return afterPendingWork().then(() => true);
      }
      return true;
    });
  }

  async inspect(key: string): Promise<LockInfo | null> {
    const reply = (await this.#run(SCRIPTS.inspect, [], [key], [])) as
      [number, number, string] | [] | null;
    // Lua nil arrives as null from Redis (and as [] from some emulators).
    if (!reply || reply.length !== 3) return null;
    return { ttl: reply[0], fence: reply[1], holds: 1, metadata: String(reply[2]) };
  }

  async forceRelease(key: string): Promise<boolean> {
    const mode = await this.#publishMode([]);
    const reply = await this.#run(
      SCRIPTS.forceRelease,
      [],
      [key, queueKeyOf(key)],
      [releaseChannelOf(key), mode],
    );
    return reply === 1;
  }

  async dequeue(key: string, owner: string): Promise<boolean> {
    const mode = await this.#publishMode([owner]);
    const reply = await this.#run(SCRIPTS.dequeue, [owner], this.#queueKeys(key), [
      owner,
      releaseChannelOf(key),
      this.#fenceGrace,
      mode,
    ]);
    return reply === 1;
  }

  onRelease(
    key: string,
    listener: (next: string | undefined, grant?: StoreGrant) => void,
  ): Promise<() => void> {
    return this.#subscriptions.add(releaseChannelOf(key), listener);
  }

  /** The keys of a release or dequeue: the lock, its fence key and its queue's three keys. */
  #queueKeys(key: string): string[] {
    const queue = [queueKeyOf(key), waiterDeadlinesKeyOf(key), waiterRecordsKeyOf(key)];
    return [key, fenceKeyOf(key), ...queue];
  }

  /**
   * How releases are announced: sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`) on a cluster of
   * Redis >= 7, so a release reaches only the key's shard; classic pub/sub on a single server
   * (one shard: nothing to gain, and GLIDE's standalone client cannot `SSUBSCRIBE`) and on older
   * clusters. Every client kind decides alike, so they all hear each other. Asked once per store
   * (a failed answer is asked again).
   */
  #mode(): Promise<PubSubMode> {
    if (!this.#port.cluster) return Promise.resolve('classic');
    this.#pubSubMode ??= this.#port
      .run({ script: SCRIPTS.serverVersion, keys: [], args: [] })
      .then((version): PubSubMode =>
        Number(version) >= SHARDED_PUBSUB_VERSION ? 'sharded' : 'classic',
      );
    this.#pubSubMode.catch(() => (this.#pubSubMode = undefined));
    return this.#pubSubMode;
  }

  /**
   * The publish mode for a call that announces (release, force-release, dequeue). A single
   * server asks nothing, and gets its answer without a promise (a release waits for nothing).
   */
  #publishMode(secrets: readonly string[]): PubSubMode | Promise<PubSubMode> {
    if (!this.#port.cluster) return 'classic';
    return this.#mode().catch((error: unknown) => {
      throw redactError(error, secrets);
    });
  }

  /**
   * Warns when Redis may evict keys (`maxmemory-policy` other than `noeviction`): an evicted
   * lock is taken by another process while its holder still believes it holds it. Asks `INFO
   * memory` once per store (it works where `CONFIG` is disabled), on every master of a cluster;
   * resolves `[]` when Redis does not answer or refuses.
   * @example
   * for (const warning of await store.checkConfiguration()) console.warn(warning);
   */
  checkConfiguration(): Promise<readonly string[]> {
    this.#configuration ??= evictionWarnings(this.#port).catch(() => []);
    return this.#configuration;
  }

  /**
   * Closes the subscriber connection the store opened; never the client passed in.
   * @example
   * await engine.close();
   * await store.close();
   * await redis.quit(); // the client is yours to close
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#subscriptions.close();
    await this.#port.close();
  }

  /**
   * Run a script; a failure is redacted of `secrets` (the owners it was sent). One promise on
   * top of the port's, not an async function's two: this is on the path of every call.
   */
  #run(
    script: PortScript,
    secrets: readonly string[],
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    let reply: Promise<unknown>;
    try {
      reply = this.#port.run({ script, keys, args });
    } catch (error) {
      return Promise.reject(redactError(error, secrets));
    }
    return reply.then(undefined, (error: unknown) => {
      throw redactError(error, secrets);
    });
  }
}

/** The options `new RedisLockStore(client, options)` accepts. */
const storeSpec: OptionSpec = {
  options: { fenceGrace: positiveMs },
  notAnObject: (got) =>
    `option "options" must be an object such as { fenceGrace: 60_000 }, got ${got}.`,
};

function storeOptions(where: string, options: unknown): RedisLockStoreOptions {
  if (options === undefined) return {};
  return checkOptions(where, options, storeSpec);
}
