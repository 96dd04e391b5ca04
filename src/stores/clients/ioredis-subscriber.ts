import { reconnectDelay } from './reconnect-backoff';
import type { PortSubscriber, PubSubMode } from './redis-port';

/** What the adapter uses of an ioredis connection (a `Redis`, or one node of a `Cluster`). */
export interface IoredisConnection {
  readonly status: string;
  readonly options: { host?: string; port?: number };
  duplicate(override?: Record<string, unknown>): IoredisConnection;
  connect(): Promise<void>;
  info(section: string): Promise<string>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  ssubscribe(...channels: string[]): Promise<unknown>;
  sunsubscribe(...channels: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: string[]) => void): unknown;
  once(event: string, listener: () => void): unknown;
}

/**
 * Settings of every subscriber connection lockwarden opens with ioredis. No ready check: its
 * INFO raced the first SUBSCRIBE on a fresh connection (redis/ioredis#2037), the ready check then
 * failed and waiters fell back to polling (or an unhandled rejection crashed the process).
 */
export const SUBSCRIBER_OPTIONS = {
  enableReadyCheck: false,
  autoResubscribe: true,
  lazyConnect: true,
  retryStrategy: reconnectDelay,
} as const;

/**
 * Release notifications over one connection duplicated from the user's `Redis` (a connection in
 * subscriber mode can run nothing else). ioredis reconnects it with {@link reconnectDelay} and
 * resubscribes by itself.
 */
export class IoredisSubscriber implements PortSubscriber {
  #connection: IoredisConnection | undefined;

  constructor(
    private readonly source: IoredisConnection,
    private readonly onMessage: (channel: string, message: string) => void,
  ) {}

  subscribe(channel: string, mode: PubSubMode): Promise<void> {
    const connection = this.#open();
    return (
      mode === 'sharded' ? connection.ssubscribe(channel) : connection.subscribe(channel)
    ).then(() => undefined);
  }

  async unsubscribe(channel: string, mode: PubSubMode): Promise<void> {
    const connection = this.#connection;
    if (!connection) return;
    await (mode === 'sharded' ? connection.sunsubscribe(channel) : connection.unsubscribe(channel));
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) await closeConnection(connection);
  }

  #open(): IoredisConnection {
    if (this.#connection) return this.#connection;
    const connection = this.source.duplicate(SUBSCRIBER_OPTIONS);
    listen(connection, this.onMessage);
    // Commands wait in the offline queue until the connection is up; without a ready check
    // they are sent as soon as it is.
    connection.connect().catch(() => undefined);
    this.#connection = connection;
    return connection;
  }
}

/** Deliver both classic and sharded messages; swallow errors (they surface as failed calls). */
export function listen(
  connection: IoredisConnection,
  onMessage: (channel: string, message: string) => void,
): void {
  connection.on('error', () => undefined);
  connection.on('message', onMessage);
  connection.on('smessage', onMessage);
}

/** QUIT, or drop the connection when it is not up (QUIT would wait for a server that is gone). */
export async function closeConnection(connection: IoredisConnection): Promise<void> {
  if (connection.status === 'ready') {
    await connection.quit().catch(() => undefined);
  }
  connection.disconnect();
}
