import { GlideClient, GlideClusterClient, Logger } from '@valkey/valkey-glide';
import { Cluster, Redis } from 'ioredis';
import * as redis6 from 'redis';
import * as redis5 from 'redis5';
import type { RedisClient } from '../../../src';
import { defer } from '../cleanup';
import { dropClient } from './drop-client';

/** Where a client connects: one server, or the seed nodes of a cluster. */
export type Target =
  | { readonly cluster: false; readonly port: number }
  | { readonly cluster: true; readonly nodes: ReadonlyArray<{ host: string; port: number }> };

/** One Redis client library lockwarden supports, as the tests create and use it. */
export interface ClientKindFixture {
  /** `ioredis`, `node-redis`, `node-redis@5`, `glide`. */
  readonly name: string;
  /** A new client of this kind, connected, closed after the test (or file) that made it. */
  connect(target: Target): Promise<RedisClient>;
  /** One round trip on the user's client (to show it still works). */
  ping(client: RedisClient): Promise<string>;
}

const HOST = '127.0.0.1';

// GLIDE's core logs warnings (every refused reconnection of a test that stops its servers) to
// the console by default; the tests assert what matters instead.
Logger.setLoggerConfig('off');

/** The two factories of node-redis (5 and 6 differ in their generic types, not in use). */
interface NodeRedisLib {
  createClient(options: object): unknown;
  createCluster(options: object): unknown;
}
interface NodeRedisLike {
  connect(): Promise<unknown>;
  destroy(): void;
  sendCommand(...args: unknown[]): Promise<unknown>;
  on(event: 'error', listener: () => void): unknown;
}

function nodeRedis(name: string, lib: NodeRedisLib): ClientKindFixture {
  return {
    name,
    async connect(target) {
      const client = (
        target.cluster
          ? lib.createCluster({
              rootNodes: target.nodes.map((node) => ({ socket: node })),
            })
          : lib.createClient({
              socket: { host: HOST, port: target.port },
            })
      ) as NodeRedisLike;
      // node-redis throws connection errors at the process unless someone listens.
      client.on('error', () => undefined);
      await client.connect();
      defer(() => client.destroy());
      return client as unknown as RedisClient;
    },
    async ping(client) {
      const cluster =
        typeof (client as unknown as Record<string, unknown>)['nodeClient'] === 'function';
      const reply = cluster
        ? await (client as unknown as NodeRedisLike).sendCommand(undefined, true, ['PING'])
        : await (client as unknown as NodeRedisLike).sendCommand(['PING']);
      return String(reply);
    },
  };
}

export const IOREDIS: ClientKindFixture = {
  name: 'ioredis',
  async connect(target) {
    const client = target.cluster
      ? new Cluster([...target.nodes])
      : new Redis({ host: HOST, port: target.port });
    client.on('error', () => undefined);
    defer(() => dropClient(client));
    await client.ping();
    return client;
  },
  ping: (client) => (client as Redis).ping(),
};

export const NODE_REDIS = nodeRedis('node-redis', redis6);
export const NODE_REDIS_5 = nodeRedis('node-redis@5', redis5);

export const GLIDE: ClientKindFixture = {
  name: 'glide',
  async connect(target) {
    const client = target.cluster
      ? await GlideClusterClient.createClient({ addresses: [...target.nodes] })
      : await GlideClient.createClient({ addresses: [{ host: HOST, port: target.port }] });
    defer(() => client.close());
    return client;
  },
  ping: async (client) => String(await (client as unknown as GlideClient).ping()),
};

/** Every client kind lockwarden supports (node-redis in its current and previous major). */
export const CLIENT_KINDS: readonly ClientKindFixture[] = [
  IOREDIS,
  NODE_REDIS,
  NODE_REDIS_5,
  GLIDE,
];
