import Redis, { type Cluster } from 'ioredis';
import { dropClient } from './drop-client';

/**
 * The clients a fixture handed out, so that stopping the fixture disconnects them all. Their
 * errors are ignored: tests kill servers on purpose, and a reconnecting client would otherwise
 * print every failed attempt.
 */
export class ClientPool {
  readonly #clients: Array<Redis | Cluster> = [];
  readonly #admins = new Map<number, Redis>();

  add<T extends Redis | Cluster>(client: T): T {
    client.on('error', () => undefined);
    this.#clients.push(client);
    return client;
  }

  /**
   * A connection for the fixture's own queries to the process on `port`. It never reconnects (a
   * killed node's connection fails at once instead of retrying); a closed one is replaced.
   */
  admin(port: number): Redis {
    let admin = this.#admins.get(port);
    if (!admin || admin.status === 'end') {
      admin = this.add(
        new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 }),
      );
      this.#admins.set(port, admin);
    }
    return admin;
  }

  disconnectAll(): void {
    this.#admins.clear();
    for (const client of this.#clients.splice(0)) dropClient(client);
  }
}
