import { evalSha } from './eval-sha';
import type { PortSubscriber, PubSubMode, RedisPort, ScriptCall } from './redis-port';

/**
 * A node-redis (`redis` 5 or 6) client from `createClient()` or `createCluster()`, as far as
 * lockwarden needs to recognise one. Structural, so that the package is never loaded by us.
 */
export interface NodeRedisClient {
  readonly isOpen: boolean;
  sendCommand(...args: never[]): Promise<unknown>;
  duplicate(...args: never[]): unknown;
  multi(...args: never[]): unknown;
}

type Listener = (message: string, channel: string) => void;

interface Subscribing {
  subscribe(channel: string, listener: Listener): Promise<void>;
  unsubscribe(channel: string, listener: Listener): Promise<void>;
  sSubscribe(channel: string, listener: Listener): Promise<void>;
  sUnsubscribe(channel: string, listener: Listener): Promise<void>;
}

/** What the adapter uses of a node-redis `createClient()` client. */
interface NodeRedisConnection extends Subscribing {
  readonly isReady: boolean;
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(): NodeRedisConnection;
  connect(): Promise<unknown>;
  on(event: 'error', listener: () => void): unknown;
  close?(): Promise<void>;
  quit?(): Promise<unknown>;
  destroy?(): void;
  disconnect?(): Promise<void>;
}

/** What the adapter uses of a node-redis `createCluster()` client. */
interface NodeRedisClusterClient extends Subscribing {
  sendCommand(firstKey: string | undefined, isReadonly: boolean, args: string[]): Promise<unknown>;
  readonly masters: readonly unknown[];
  nodeClient(node: unknown): NodeRedisConnection | Promise<NodeRedisConnection>;
}

/** Whether `client` is a node-redis cluster (it routes by key and knows its masters). */
export function isNodeRedisCluster(client: NodeRedisClient): boolean {
  return typeof (client as unknown as Record<string, unknown>)['nodeClient'] === 'function';
}

/**
 * The port over node-redis. Scripts go by raw EVALSHA (`sendCommand`), falling back to EVAL:
 * the same on every major, where the typed `evalSha` changed shape. A batch is concurrent calls:
 * node-redis writes the commands of one tick in one go (auto-pipelining), per node on a cluster.
 */
export class NodeRedisPort implements RedisPort {
  readonly kind = 'node-redis';
  readonly cluster: boolean;
  readonly #client: NodeRedisClient;
  /** Scripts already sent over the (single) connection. */
  readonly #sent = new Set<string>();

  constructor(client: NodeRedisClient) {
    this.#client = client;
    this.cluster = isNodeRedisCluster(client);
  }

  run(call: ScriptCall): Promise<unknown> {
    if (!this.cluster) {
      // One connection: a script's first call goes as EVAL, so calls keep their order.
      const client = this.#client as unknown as NodeRedisConnection;
      const firstUse = !this.#sent.has(call.script.sha);
      if (firstUse) this.#sent.add(call.script.sha);
      return evalSha((args) => client.sendCommand(args), call, firstUse);
    }
    const cluster = this.#client as unknown as NodeRedisClusterClient;
    // The first key names the slot; a call without keys goes to any node.
    return evalSha((args) => cluster.sendCommand(call.keys[0], false, args), call);
  }

  batch(calls: readonly ScriptCall[]): Promise<unknown[]> {
    return Promise.all(calls.map((call) => this.run(call).catch((error: unknown) => error)));
  }

  async info(section: string): Promise<string[]> {
    if (!this.cluster) {
      const client = this.#client as unknown as NodeRedisConnection;
      return [String(await client.sendCommand(['INFO', section]))];
    }
    const cluster = this.#client as unknown as NodeRedisClusterClient;
    return Promise.all(
      cluster.masters.map(async (master) =>
        String(await (await cluster.nodeClient(master)).sendCommand(['INFO', section])),
      ),
    );
  }

  subscriber(onMessage: (channel: string, message: string) => void): PortSubscriber {
    return this.cluster
      ? new NodeRedisClusterSubscriber(this.#client as unknown as NodeRedisClusterClient, onMessage)
      : new NodeRedisSubscriber(this.#client as unknown as NodeRedisConnection, onMessage);
  }

  async close(): Promise<void> {
    // Subscribers are closed by their owner; the user's client is never closed here.
  }
}

/**
 * One connection duplicated from the user's client (a RESP2 connection in subscriber mode can
 * run nothing else). node-redis reconnects it with its own bounded backoff (doubling from 50 ms
 * up to 2 s, with jitter) and resubscribes by itself.
 */
class NodeRedisSubscriber implements PortSubscriber {
  #connection: Promise<NodeRedisConnection> | undefined;
  #opened: NodeRedisConnection | undefined;
  readonly #listener: Listener;

  constructor(
    private readonly source: NodeRedisConnection,
    onMessage: (channel: string, message: string) => void,
  ) {
    this.#listener = (message, channel) => onMessage(channel, message);
  }

  async subscribe(channel: string, mode: PubSubMode): Promise<void> {
    const connection = await this.#open();
    await (mode === 'sharded'
      ? connection.sSubscribe(channel, this.#listener)
      : connection.subscribe(channel, this.#listener));
  }

  async unsubscribe(channel: string, mode: PubSubMode): Promise<void> {
    const connection = this.#opened;
    if (!connection) return;
    await (mode === 'sharded'
      ? connection.sUnsubscribe(channel, this.#listener)
      : connection.unsubscribe(channel, this.#listener));
  }

  async close(): Promise<void> {
    const pending = this.#connection;
    this.#connection = undefined;
    this.#opened = undefined;
    const connection = await pending?.catch(() => undefined);
    if (connection) await closeNodeRedis(connection);
  }

  #open(): Promise<NodeRedisConnection> {
    if (!this.#connection) {
      const connection = this.source.duplicate();
      // Without a listener node-redis would throw its connection errors at the process.
      connection.on('error', () => undefined);
      this.#opened = connection;
      this.#connection = connection.connect().then(
        () => connection,
        async (error: unknown) => {
          if (this.#opened === connection) {
            this.#connection = undefined;
            this.#opened = undefined;
          }
          await closeNodeRedis(connection);
          throw error;
        },
      );
    }
    return this.#connection;
  }
}

/**
 * Subscriptions on the user's own cluster client: node-redis keeps separate pub/sub connections
 * for it (one per shard for sharded channels), opens them on the first subscription and closes
 * them after the last, so nothing here needs opening or closing.
 */
class NodeRedisClusterSubscriber implements PortSubscriber {
  readonly #channels = new Map<string, PubSubMode>();
  readonly #listener: Listener;

  constructor(
    private readonly cluster: NodeRedisClusterClient,
    onMessage: (channel: string, message: string) => void,
  ) {
    this.#listener = (message, channel) => onMessage(channel, message);
  }

  async subscribe(channel: string, mode: PubSubMode): Promise<void> {
    this.#channels.set(channel, mode);
    await (mode === 'sharded'
      ? this.cluster.sSubscribe(channel, this.#listener)
      : this.cluster.subscribe(channel, this.#listener));
  }

  async unsubscribe(channel: string, mode: PubSubMode): Promise<void> {
    if (!this.#channels.delete(channel)) return;
    // Only our listener goes: the user's own subscriptions on the client stay.
    await (mode === 'sharded'
      ? this.cluster.sUnsubscribe(channel, this.#listener)
      : this.cluster.unsubscribe(channel, this.#listener));
  }

  async close(): Promise<void> {
    const channels = [...this.#channels];
    await Promise.all(
      channels.map(([channel, mode]) => this.unsubscribe(channel, mode).catch(() => undefined)),
    );
  }
}

/** Close a connection lockwarden opened: gracefully when it is up, at once when it is not. */
async function closeNodeRedis(connection: NodeRedisConnection): Promise<void> {
  if (connection.isReady && (connection.close || connection.quit)) {
    const graceful = connection.close ? connection.close() : connection.quit!();
    if (
      await graceful.then(
        () => true,
        () => false,
      )
    )
      return;
  }
  if (connection.destroy) connection.destroy();
  else await connection.disconnect?.().catch(() => undefined);
}
