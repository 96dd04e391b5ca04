import type { Cluster, Redis } from 'ioredis';

/**
 * The clients a fixture handed out, so that stopping the fixture disconnects them all. Their
 * errors are ignored: tests kill servers on purpose, and a reconnecting client would otherwise
 * print every failed attempt.
 */
export class ClientPool {
  readonly #clients: Array<Redis | Cluster> = [];

  add<T extends Redis | Cluster>(client: T): T {
    client.on('error', () => undefined);
    this.#clients.push(client);
    return client;
  }

  disconnectAll(): void {
    for (const client of this.#clients.splice(0)) client.disconnect();
  }
}
