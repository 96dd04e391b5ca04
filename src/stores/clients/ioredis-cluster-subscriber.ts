import { LockStoreError } from '../../engine/errors';
import type { IoredisCluster } from './ioredis';
import {
  closeConnection,
  listen,
  SUBSCRIBER_OPTIONS,
  type IoredisConnection,
} from './ioredis-subscriber';
import { keySlot } from './key-slot';
import { reconnectDelay } from './reconnect-backoff';
import type { PortSubscriber, PubSubMode } from './redis-port';

/**
 * Release notifications on an ioredis `Cluster`, over plain connections to the nodes: one per
 * primary that serves a sharded channel's slot (`SSUBSCRIBE` must reach that node), or one to
 * any primary for classic channels (a cluster forwards `PUBLISH` to every node).
 *
 * Not `cluster.duplicate()`: with every node down, that client's subscriber reconnect loop
 * burned a whole core and leaked `close` listeners (`MaxListenersExceededWarning`). Here a lost
 * connection is not retried in place: its channels are routed again (the slot may have a new
 * primary after a failover) after a bounded backoff ({@link reconnectDelay}), which costs
 * nothing while the cluster is gone and resubscribes within 2 s once it is back.
 */
export class IoredisClusterSubscriber implements PortSubscriber {
  readonly #channels = new Map<string, { mode: PubSubMode; node: string }>();
  readonly #connections = new Map<string, IoredisConnection>();
  /** A node to duplicate (for its connection options); kept, as the cluster forgets its nodes when they all fail. */
  #template: IoredisConnection | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly cluster: IoredisCluster,
    private readonly onMessage: (channel: string, message: string) => void,
  ) {}

  async subscribe(channel: string, mode: PubSubMode): Promise<void> {
    const node = await this.#route(channel, mode);
    this.#channels.set(channel, { mode, node });
    await this.#send(node, channel, mode);
  }

  async unsubscribe(channel: string, mode: PubSubMode): Promise<void> {
    const entry = this.#channels.get(channel);
    this.#channels.delete(channel);
    const connection = entry && this.#connections.get(entry.node);
    if (!connection) return;
    if (![...this.#channels.values()].some((other) => other.node === entry.node)) {
      // Nothing else listens on that node: close instead of unsubscribing.
      this.#connections.delete(entry.node);
      await closeConnection(connection);
      return;
    }
    await (mode === 'sharded' ? connection.sunsubscribe(channel) : connection.unsubscribe(channel));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#channels.clear();
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(connections.map(closeConnection));
  }

  async #send(node: string, channel: string, mode: PubSubMode): Promise<void> {
    const connection = this.#connection(node);
    await (mode === 'sharded' ? connection.ssubscribe(channel) : connection.subscribe(channel));
  }

  async #route(channel: string, mode: PubSubMode): Promise<string> {
    let node = this.#nodeFor(channel, mode);
    if (node === undefined) {
      await this.#refreshSlots();
      node = this.#nodeFor(channel, mode);
    }
    if (node === undefined) {
      throw new LockStoreError(`lockwarden: no Redis Cluster node is known to serve ${channel}`);
    }
    return node;
  }

  #nodeFor(channel: string, mode: PubSubMode): string | undefined {
    if (mode === 'sharded') return this.cluster.slots[keySlot(channel)]?.[0];
    // Classic channels reach every node: keep using a connection we have.
    const [open] = this.#connections.keys();
    if (open !== undefined) return open;
    const [master] = this.cluster.nodes('master');
    return master && `${master.options.host}:${master.options.port}`;
  }

  #connection(node: string): IoredisConnection {
    const existing = this.#connections.get(node);
    if (existing) return existing;
    this.#template ??= this.cluster.nodes('master')[0];
    const template = this.#template;
    if (!template)
      throw new LockStoreError('lockwarden: the Redis Cluster client knows no node yet');
    const separator = node.lastIndexOf(':');
    // A duplicate of a node keeps the cluster's connection options (password, TLS, ...).
    const connection = template.duplicate({
      ...SUBSCRIBER_OPTIONS,
      host: node.slice(0, separator),
      port: Number(node.slice(separator + 1)),
      retryStrategy: null,
    });
    listen(connection, this.onMessage);
    connection.once('end', () => {
      if (this.#connections.get(node) !== connection) return;
      this.#connections.delete(node);
      this.#scheduleReroute();
    });
    connection.connect().catch(() => undefined);
    this.#connections.set(node, connection);
    return connection;
  }

  #scheduleReroute(): void {
    if (this.#closed || this.#timer || this.#channels.size === 0) return;
    this.#attempt += 1;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#reroute().catch(() => this.#scheduleReroute());
    }, reconnectDelay(this.#attempt));
    this.#timer.unref();
  }

  /** Subscribe every channel whose node has no connection again, on the node that serves it now. */
  async #reroute(): Promise<void> {
    await this.#refreshSlots();
    const sends: Array<Promise<void>> = [];
    for (const [channel, entry] of this.#channels) {
      if (this.#connections.has(entry.node)) continue;
      const node = this.#nodeFor(channel, entry.mode);
      if (node === undefined) continue;
      entry.node = node;
      sends.push(this.#send(node, channel, entry.mode));
    }
    const results = await Promise.allSettled(sends);
    const lost = [...this.#channels.values()].some((entry) => !this.#connections.has(entry.node));
    if (results.every((r) => r.status === 'fulfilled') && !lost) this.#attempt = 0;
    else this.#scheduleReroute();
  }

  #refreshSlots(): Promise<void> {
    return new Promise((resolve) => this.cluster.refreshSlotsCache(() => resolve()));
  }
}
