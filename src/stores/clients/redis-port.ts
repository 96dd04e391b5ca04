/**
 * The port between `RedisLockStore` and a Redis client library: everything the store asks of
 * Redis, and nothing else. One adapter per client kind implements it (`ioredis.ts`,
 * `node-redis.ts`, `glide.ts`); `detect-client.ts` picks the adapter for the client the user
 * passed. Other stores (a quorum store over several clients) build on the same port.
 *
 * The contract:
 * - `run` executes one Lua script by EVALSHA and falls back to EVAL when the server answers
 *   NOSCRIPT (a restarted or flushed server). Every key of one call lies in one hash slot; on a
 *   cluster the call goes to the node that serves it.
 * - `batch` executes several script calls and answers one result or `Error` per call, in order,
 *   never rejecting as a whole. Calls for one node travel in one round trip (a pipeline, or
 *   concurrent calls the client writes together).
 * - `info` answers `INFO <section>` from every primary (one entry on a single server).
 * - `subscriber` makes a connection for release notifications, opened on its first `subscribe`
 *   and closed by its `close`. It reconnects by itself with a bounded backoff and resubscribes,
 *   so a waiter keeps hearing releases after an outage, and an outage costs no CPU to speak of.
 * - `close` closes only what the adapter opened itself, never the user's client.
 * - Errors are the client's own; the store redacts them (they may carry the command's arguments).
 */
export interface RedisPort {
  /** Which client library, for messages. */
  readonly kind: ClientKind;
  /** Whether the client speaks to a Redis Cluster (keys are routed by hash slot). */
  readonly cluster: boolean;
  run(call: ScriptCall): Promise<unknown>;
  batch(calls: readonly ScriptCall[]): Promise<Array<unknown>>;
  info(section: string): Promise<string[]>;
  subscriber(onMessage: (channel: string, message: string) => void): PortSubscriber;
  close(): Promise<void>;
}

/** The client libraries lockwarden speaks to. */
export type ClientKind = 'ioredis' | 'node-redis' | 'glide';

/** A Lua script as the port runs it: its source and the SHA1 that EVALSHA names it by. */
export interface PortScript {
  /** A short name for messages and for client-side registration (`defineCommand`). */
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

/** One script call: KEYS and ARGV as Redis receives them. */
export interface ScriptCall {
  readonly script: PortScript;
  readonly keys: readonly string[];
  readonly args: ReadonlyArray<string | number>;
}

/** How release notifications reach the store, sharded (`SSUBSCRIBE`, Redis >= 7) or not. */
export type PubSubMode = 'sharded' | 'classic';

/** A subscriber connection (or set of connections, one per cluster node, where needed). */
export interface PortSubscriber {
  /** Resolves once the server confirmed the subscription. */
  subscribe(channel: string, mode: PubSubMode): Promise<void>;
  /** Best effort: a stale subscription only costs ignored messages. */
  unsubscribe(channel: string, mode: PubSubMode): Promise<void>;
  close(): Promise<void>;
}
