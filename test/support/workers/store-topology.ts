/**
 * Which Redis topology a forked worker locks on, as one JSON argument: the worker opens its own
 * clients from it, builds the store the topology calls for, and closes both when it is done.
 */
import Redis, { Cluster } from 'ioredis';
import { RedisLockStore, RedlockStore, type LockStore } from '../../../src';

export type StoreTopology =
  | { kind: 'server'; url: string }
  | { kind: 'cluster'; nodes: ReadonlyArray<{ host: string; port: number }> }
  /** A quorum over independent masters; the first one also keeps the test's data. */
  | { kind: 'masters'; urls: readonly string[] };

/** What a worker opened for a topology. */
export interface OpenedTopology {
  store: LockStore;
  /** A client for the test's own data (counters, logs): a plain key on any node will do. */
  data: Redis | Cluster;
  close(): Promise<void>;
}

export function openTopology(topology: StoreTopology): OpenedTopology {
  let clients: Array<Redis | Cluster>;
  let store: LockStore;
  switch (topology.kind) {
    case 'server':
      clients = [new Redis(topology.url), new Redis(topology.url)];
      store = new RedisLockStore(clients[0]!);
      break;
    case 'cluster':
      clients = [new Cluster([...topology.nodes]), new Cluster([...topology.nodes])];
      store = new RedisLockStore(clients[0]!);
      break;
    case 'masters': {
      const masters = topology.urls.map((url) => new Redis(url));
      clients = [...masters, new Redis(topology.urls[0]!)];
      store = new RedlockStore(masters);
      break;
    }
  }
  return {
    store,
    data: clients[clients.length - 1]!,
    async close() {
      await store.close?.();
      for (const client of clients) client.disconnect();
    },
  };
}

/** The argument that passes `topology` to a worker. */
export function topologyArgument(topology: StoreTopology): string {
  return JSON.stringify(topology);
}

export function parseTopology(argument: string): StoreTopology {
  return JSON.parse(argument) as StoreTopology;
}
