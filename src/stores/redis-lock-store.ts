import type { Cluster, Redis } from 'ioredis';
import { LockConfigError } from '../engine/errors';
import { optionError } from '../engine/options';
import { detectClient } from './clients/detect-client';
import { LUA } from './lua/scripts';
import { redactError } from './redact-error';
import type {
  AcquireResult,
  LockInfo,
  LockStore,
  RenewRequest,
  StoreAcquireOptions,
} from './lock-store';

/** An ioredis client (standalone, Sentinel-backed or Cluster). */
export type RedisClient = Redis | Cluster;

/** Options of {@link RedisLockStore}. */
export interface RedisLockStoreOptions {
  /**
   * How long the last issued fence of a lock outlives the lock itself, in ms. Fences come from
   * the server clock; this grace keeps them increasing across a clock step back of up to this
   * long. A positive integer.
   * @default 60_000
   */
  fenceGrace?: number;
}

const STORE_OPTION_NAMES = ['fenceGrace'];

// Names are namespaced because defineCommand adds methods to the user's client.
// The version suffix keeps an old registration on a shared client from shadowing a new script.
const COMMANDS = {
  acquire: { name: 'lockwardenAcquire2', keys: 4, lua: LUA.acquire },
  renew: { name: 'lockwardenRenew2', keys: 2, lua: LUA.renew },
  release: { name: 'lockwardenRelease2', keys: 3, lua: LUA.release },
  inspect: { name: 'lockwardenInspect2', keys: 1, lua: LUA.inspect },
  forceRelease: { name: 'lockwardenForceRelease2', keys: 2, lua: LUA.forceRelease },
  dequeue: { name: 'lockwardenDequeue2', keys: 3, lua: LUA.dequeue },
} as const;

/** How long a queued fair waiter stays queued without refreshing, unless the caller says. */
export const DEFAULT_WAITER_TTL = 2_000;

type ScriptCall = (...args: Array<string | number>) => Promise<unknown>;
type Scripted = Record<string, ScriptCall | undefined>;

/** The companion keys of a lock key; all share the lock key's hash tag, hence its slot. */
export function fenceKeyOf(key: string): string {
  return `${key}:fence`;
}

/** The pub/sub channel that announces releases of `key`. */
export function releaseChannelOf(key: string): string {
  return `${key}:rel`;
}

/** The fair queue of `key` (waiter token → ticket). */
export function queueKeyOf(key: string): string {
  return `${key}:q`;
}

/** The deadlines of the waiters in the fair queue of `key` (waiter token → ms). */
export function waiterDeadlinesKeyOf(key: string): string {
  return `${key}:qt`;
}

/**
 * A {@link LockStore} on Redis: one EVALSHA per operation, scripts registered once per client
 * with `defineCommand`, release notifications over one shared subscriber connection that the
 * store opens itself (and closes in {@link RedisLockStore.close}). The client passed in is
 * never closed by the store. Errors it rejects with are redacted copies of the client's: they
 * never carry the command's arguments (owner tokens among them).
 */
export class RedisLockStore implements LockStore {
  readonly #client: RedisClient;
  readonly #fenceGrace: number;
  #subscriber: RedisClient | undefined;
  readonly #listeners = new Map<string, Set<(next: string | undefined) => void>>();
  readonly #subscribing = new Map<string, Promise<unknown>>();
  #closed = false;
  #configuration: Promise<readonly string[]> | undefined;

  /**
   * @param client an ioredis `Redis` or `Cluster` you created (and close yourself).
   */
  constructor(client: RedisClient, options: RedisLockStoreOptions = {}) {
    const where = 'new RedisLockStore()';
    this.#client = detectClient(client, where).client;
    this.#fenceGrace = storeOptions(where, options).fenceGrace ?? 60_000;
    const scripted = client as unknown as Scripted;
    for (const command of Object.values(COMMANDS)) {
      if (typeof scripted[command.name] !== 'function') {
        client.defineCommand(command.name, { numberOfKeys: command.keys, lua: command.lua });
      }
    }
  }

  async acquire(
    key: string,
    owner: string,
    ttl: number,
    options: StoreAcquireOptions = {},
  ): Promise<AcquireResult> {
    const reply = (await this.#run(
      COMMANDS.acquire.name,
      [owner],
      key,
      fenceKeyOf(key),
      queueKeyOf(key),
      waiterDeadlinesKeyOf(key),
      owner,
      ttl,
      options.metadata ?? '',
      this.#fenceGrace,
      options.once ? 'once' : options.fair ? 'fair' : 'plain',
      options.waiterTtl ?? DEFAULT_WAITER_TTL,
    )) as [number, number, number];
    if (reply[0] === 1) {
      return reply[2] >= 0
        ? { acquired: true, fence: reply[1], ticket: reply[2] }
        : { acquired: true, fence: reply[1] };
    }
    return reply[2] === 1
      ? { acquired: false, ttl: reply[1], queued: true }
      : { acquired: false, ttl: reply[1] };
  }

  async renew(key: string, owner: string, ttl: number): Promise<boolean> {
    const reply = await this.#run(
      COMMANDS.renew.name,
      [owner],
      key,
      fenceKeyOf(key),
      owner,
      ttl,
      this.#fenceGrace,
    );
    return reply === 1;
  }

  async renewMany(requests: readonly RenewRequest[]): Promise<Array<boolean | Error>> {
    if (this.#client.isCluster) {
      // A cluster pipeline must stay within one node; separate calls are auto-routed.
      return Promise.all(
        requests.map((r) =>
          this.renew(r.key, r.owner, r.ttl).catch((error: unknown) => toError(error)),
        ),
      );
    }
    const owners = requests.map((r) => r.owner);
    const pipeline = this.#client.pipeline() as unknown as Scripted & {
      exec(): Promise<Array<[Error | null, unknown]> | null>;
    };
    const renew = pipeline[COMMANDS.renew.name];
    if (!renew) throw new Error('lockwarden: renew script is not registered on the pipeline');
    for (const r of requests) {
      void renew.call(pipeline, r.key, fenceKeyOf(r.key), r.owner, r.ttl, this.#fenceGrace);
    }
    let replies: Array<[Error | null, unknown]>;
    try {
      replies = (await pipeline.exec()) ?? [];
    } catch (error) {
      throw redactError(error, owners);
    }
    return requests.map((_, i) => {
      const [error, reply] = replies[i] ?? [new Error('no reply'), null];
      return error ? redactError(error, owners) : reply === 1;
    });
  }

  async release(key: string, owner: string): Promise<boolean> {
    const reply = await this.#run(
      COMMANDS.release.name,
      [owner],
      key,
      queueKeyOf(key),
      waiterDeadlinesKeyOf(key),
      owner,
      releaseChannelOf(key),
    );
    return reply === 1;
  }

  async inspect(key: string): Promise<LockInfo | null> {
    const reply = (await this.#run(COMMANDS.inspect.name, [], key)) as
      [number, number, string] | [] | null;
    // Lua nil arrives as null from Redis (and as [] from some emulators).
    if (!reply || reply.length !== 3) return null;
    return { ttl: reply[0], fence: reply[1], holds: 1, metadata: reply[2] };
  }

  async forceRelease(key: string): Promise<boolean> {
    const reply = await this.#run(
      COMMANDS.forceRelease.name,
      [],
      key,
      queueKeyOf(key),
      releaseChannelOf(key),
    );
    return reply === 1;
  }

  async dequeue(key: string, owner: string): Promise<boolean> {
    const reply = await this.#run(
      COMMANDS.dequeue.name,
      [owner],
      key,
      queueKeyOf(key),
      waiterDeadlinesKeyOf(key),
      owner,
      releaseChannelOf(key),
    );
    return reply === 1;
  }

  async onRelease(key: string, listener: (next: string | undefined) => void): Promise<() => void> {
    const channel = releaseChannelOf(key);
    let set = this.#listeners.get(channel);
    if (!set) {
      set = new Set();
      this.#listeners.set(channel, set);
    }
    set.add(listener);
    const subscriber = this.#subscriberConnection();
    let pending = this.#subscribing.get(channel);
    if (!pending) {
      pending = subscriber.subscribe(channel);
      this.#subscribing.set(channel, pending);
    }
    try {
      await pending;
    } catch (error) {
      this.#subscribing.delete(channel);
      this.#removeListener(channel, listener);
      throw redactError(error, []);
    }
    return () => this.#removeListener(channel, listener);
  }

  /**
   * Warns when Redis may evict keys (`maxmemory-policy` other than `noeviction`): an evicted
   * lock is taken by another process while its holder still believes it holds it. Asks `INFO
   * memory` once per store (it works where `CONFIG` is disabled), on every master of a cluster;
   * resolves `[]` when Redis does not answer or refuses.
   */
  checkConfiguration(): Promise<readonly string[]> {
    this.#configuration ??= this.#evictionWarnings().catch(() => []);
    return this.#configuration;
  }

  async #evictionWarnings(): Promise<string[]> {
    const client = this.#client;
    const masters = client.isCluster ? (client as Cluster).nodes('master') : [];
    const nodes: Array<Pick<Redis, 'info'>> = masters.length > 0 ? masters : [client];
    const policies = await Promise.all(
      nodes.map((node) =>
        node.info('memory').then(
          (info) => /^maxmemory_policy:(.+?)\s*$/m.exec(info)?.[1],
          () => undefined,
        ),
      ),
    );
    const evicting = [...new Set(policies)].filter(
      (policy): policy is string => policy !== undefined && policy !== 'noeviction',
    );
    return evicting.map(
      (policy) =>
        `Redis maxmemory-policy is "${policy}", so Redis may evict keys, held locks among them, when it reaches maxmemory; another process then takes a lock whose holder still believes it holds it. Set maxmemory-policy to noeviction on the Redis that holds the locks.`,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#subscribing.clear();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber) {
      await subscriber.quit().catch(() => subscriber.disconnect());
    }
  }

  #removeListener(channel: string, listener: (next: string | undefined) => void): void {
    const set = this.#listeners.get(channel);
    if (!set) return;
    set.delete(listener);
    if (set.size > 0) return;
    this.#listeners.delete(channel);
    this.#subscribing.delete(channel);
    // Unsubscribing is best effort: a stale subscription only costs ignored messages.
    this.#subscriber?.unsubscribe(channel).catch(() => undefined);
  }

  #subscriberConnection(): RedisClient {
    if (this.#closed) throw new Error('lockwarden: the RedisLockStore is closed');
    if (!this.#subscriber) {
      const subscriber = this.#client.duplicate();
      // Errors surface as failed subscriptions; without a listener ioredis would print them.
      subscriber.on('error', () => undefined);
      subscriber.on('message', (channel: string, message: string) => {
        const set = this.#listeners.get(channel);
        if (!set) return;
        const next = message === '' ? undefined : message;
        for (const listener of [...set]) listener(next);
      });
      this.#subscriber = subscriber;
    }
    return this.#subscriber;
  }

  /** Run a registered script; a failure is redacted of `secrets` (the owners it was sent). */
  async #run(name: string, secrets: readonly string[], ...args: Array<string | number>) {
    const fn = (this.#client as unknown as Scripted)[name];
    if (!fn) throw new Error(`lockwarden: script ${name} is not registered`);
    try {
      return await fn.apply(this.#client, args);
    } catch (error) {
      throw redactError(error, secrets);
    }
  }
}

function storeOptions(where: string, options: unknown): RedisLockStoreOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw optionError(where, 'options', 'an object such as { fenceGrace: 60_000 }', options);
  }
  for (const name of Object.keys(options)) {
    if (!STORE_OPTION_NAMES.includes(name)) {
      throw new LockConfigError(
        `${where}: unknown option "${name}". Known options: ${STORE_OPTION_NAMES.join(', ')}.`,
      );
    }
  }
  const { fenceGrace } = options as RedisLockStoreOptions;
  if (fenceGrace !== undefined && !(Number.isSafeInteger(fenceGrace) && fenceGrace > 0)) {
    throw optionError(where, 'fenceGrace', 'a positive integer number of milliseconds', fenceGrace);
  }
  return options;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
