// The README's "Topologies": a LockEngine (plain TypeScript) and a LockModule registration for
// each Redis topology. The integration tests run them on real topologies (a server, Sentinel, a
// 6-node cluster, 5 independent masters).
import type { DynamicModule } from '@nestjs/common';
import { Cluster, Redis, type ClusterNode, type SentinelAddress } from 'ioredis';
import { LockEngine, RedisLockStore, RedlockStore, type LockStore } from 'lockwarden';
import { LockModule } from 'lockwarden/nestjs';

/** An engine, its store and clients; `close()` closes the engine, the store, then the clients. */
export interface Locks {
  engine: LockEngine;
  store: LockStore;
  clients: Array<Redis | Cluster>;
  close(): Promise<void>;
}

function locks(store: LockStore, clients: Array<Redis | Cluster>): Locks {
  const engine = new LockEngine({ store });
  return {
    engine,
    store,
    clients,
    async close() {
      // Whoever creates a store or connection closes it: the engine releases what it holds, the
      // store closes what it opened (its subscriber), and the clients are closed last.
      await engine.close();
      await store.close?.();
      for (const client of clients) {
        await client.quit().catch(() => undefined);
        // quit() leaves the connections of a Sentinel failoverDetector open; this closes them.
        client.disconnect();
      }
    },
  };
}

/** One Redis server. */
export function singleServer(url: string): Locks {
  const redis = new Redis(url);
  return locks(new RedisLockStore(redis), [redis]);
}

export const singleServerModule = (url: string): DynamicModule =>
  LockModule.forRoot({ redis: url });

/** A primary with replicas, watched by Sentinel: ioredis asks the sentinels for the primary. */
export function sentinel(sentinels: SentinelAddress[], name: string): Locks {
  // failoverDetector: follow a failover as soon as the sentinels announce it, instead of writing
  // to the old primary until it is demoted (it accepts writes, renewals too, until then).
  const redis = new Redis({ sentinels, name, failoverDetector: true });
  return locks(new RedisLockStore(redis), [redis]);
}

export const sentinelModule = (sentinels: SentinelAddress[], name: string): DynamicModule =>
  LockModule.forRoot({ redis: { sentinels, name, failoverDetector: true } });

/** Redis Cluster: each lock lives on the primary that serves its key's slot. */
export function cluster(nodes: ClusterNode[]): Locks {
  const redis = new Cluster(nodes);
  return locks(new RedisLockStore(redis), [redis]);
}

export const clusterModule = (nodes: ClusterNode[]): DynamicModule =>
  LockModule.forRoot({ redis: { cluster: nodes } });

/** A quorum (Redlock) over independent masters: a lock is held when a majority grants it. */
export function quorum(urls: string[]): Locks {
  // maxRetriesPerRequest: 1 — a node that is down fails fast instead of queueing commands.
  const masters = urls.map((url) => new Redis(url, { maxRetriesPerRequest: 1 }));
  return locks(new RedlockStore(masters), masters);
}

/** A store you pass is yours, like its clients: close both in your own shutdown hook. */
export const quorumModule = (store: RedlockStore): DynamicModule => LockModule.forRoot({ store });
