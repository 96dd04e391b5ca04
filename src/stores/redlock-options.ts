import { LockConfigError } from '../engine/errors';
import {
  checkOptions as checkSpec,
  describeValue,
  optionError,
  positiveMs,
  type OptionSpec,
} from '../engine/validate';
import { ACCEPTED_CLIENTS, detectClient } from './clients/detect-client';
import type { RedisClient } from './redis-lock-store';

/**
 * Options of {@link RedlockStore}.
 *
 * @example
 * new RedlockStore(masters, { quorum: 4, driftFactor: 0.02, nodeTimeout: 200 });
 */
export interface RedlockStoreOptions {
  /**
   * How many nodes must grant a lock, and answer any operation, for it to succeed. At least a
   * majority of the nodes: with less, two owners could each hold a quorum at once.
   * @default a majority: `Math.floor(clients.length / 2) + 1`
   * @example
   * new RedlockStore(fiveMasters, { quorum: 4 }); // survives 1 failed node instead of 2
   */
  quorum?: number;
  /**
   * The share of a lock's ttl set aside for clocks running at different rates: a lock counts as
   * taken only if `ttl − elapsed − (ttl × driftFactor + 2 ms)` is still positive once a quorum
   * has granted it (the Redlock validity time). A number from 0 up to, not including, 1.
   * @default 0.01
   * @example
   * new RedlockStore(masters, { driftFactor: 0.05 }); // 5 % of each ttl set aside
   */
  driftFactor?: number;
  /**
   * How long one node may take to answer one operation, in ms; a node that takes longer counts
   * as failed for that operation (its late reply is still honoured: a late grant is given back
   * unless the lock was taken). Keep it well below your ttls: an unanswering node delays an
   * acquire by this much.
   * @default 500
   * @example
   * new RedlockStore(masters, { nodeTimeout: 100 }); // masters on a fast local network
   */
  nodeTimeout?: number;
}

const DEFAULT_DRIFT_FACTOR = 0.01;
const DEFAULT_NODE_TIMEOUT = 500;
/** `node 2 (127.0.0.1:6381)`: its index in the array passed in, and where it is. */
export function nodeName(client: RedisClient, index: number): string {
  if (isClusterClient(client)) return `node ${index} (a cluster client)`;
  const options = optionsOf(client);
  if (options['sentinels']) return `node ${index} (sentinel group ${String(options['name'])})`;
  if (typeof options['path'] === 'string') return `node ${index} (${options['path']})`;
  return `node ${index} (${addressOf(client) ?? 'unknown address'})`;
}

/** Whether `client` spreads over a cluster (each master of a quorum must be one server). */
export function isClusterClient(client: RedisClient): boolean {
  const c = client as unknown as Record<string, unknown>;
  // ioredis' Cluster says so; node-redis' cluster has `masters`; GLIDE's cluster client has its
  // own class name.
  return (
    c['isCluster'] === true ||
    Array.isArray(c['masters']) ||
    client.constructor?.name === 'GlideClusterClient'
  );
}

/** The options a client was created with (ioredis and node-redis keep them as `options`). */
function optionsOf(client: RedisClient): Record<string, unknown> {
  return (client as unknown as { options?: Record<string, unknown> }).options ?? {};
}

/** `host:port` of a single-server client, when its options say (ioredis, node-redis). */
function addressOf(client: RedisClient): string | undefined {
  const options = optionsOf(client);
  const socket = (options['socket'] ?? {}) as Record<string, unknown>;
  const host = options['host'] ?? socket['host'];
  const port = options['port'] ?? socket['port'];
  if (typeof host === 'string' && typeof port === 'number') return `${host}:${port}`;
  if (typeof options['url'] === 'string') {
    try {
      const url = new URL(options['url']);
      return `${url.hostname}:${url.port || '6379'}`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function checkClients(where: string, clients: unknown): asserts clients is RedisClient[] {
  if (!Array.isArray(clients) || clients.length === 0) {
    throw new LockConfigError(
      `${where}: the first argument must be a non-empty array of Redis clients, one per independent Redis master, got ${describeValue(clients)}.`,
    );
  }
  const addresses = new Map<string, number>();
  clients.forEach((client: unknown, index) => {
    try {
      detectClient(client, where);
    } catch (cause) {
      throw new LockConfigError(
        `${where}: clients[${index}] must be a Redis client (${ACCEPTED_CLIENTS}), got ${describeValue(client)}. Create one client per master: new RedlockStore([new Redis(urlA), new Redis(urlB), new Redis(urlC)]).`,
        { cause },
      );
    }
    const known = client as RedisClient;
    const first = clients.indexOf(client);
    const address = isClusterClient(known) ? undefined : addressOf(known);
    const same = first < index ? first : address ? addresses.get(address) : undefined;
    if (same !== undefined) {
      throw new LockConfigError(
        `${where}: clients[${same}] and clients[${index}] are the same Redis${address ? ` (${address})` : ''}; a quorum needs independent masters, one client each.`,
      );
    }
    if (address) addresses.set(address, index);
  });
}

/** The options `new RedlockStore(clients, options)` accepts; `quorum` also depends on the nodes. */
const redlockSpec: OptionSpec = {
  options: {
    quorum: { expected: 'an integer', valid: () => true },
    driftFactor: {
      expected: 'a number from 0 up to (not including) 1, such as 0.01',
      valid: (value) => typeof value === 'number' && value >= 0 && value < 1,
    },
    nodeTimeout: positiveMs,
  },
  notAnObject: (got) => `option "options" must be an object such as { quorum: 3 }, got ${got}.`,
};

export function checkOptions(
  where: string,
  options: unknown,
  nodes: number,
): Required<RedlockStoreOptions> {
  checkSpec(where, options, redlockSpec);
  const majority = Math.floor(nodes / 2) + 1;
  const {
    quorum = majority,
    driftFactor = DEFAULT_DRIFT_FACTOR,
    nodeTimeout = DEFAULT_NODE_TIMEOUT,
  } = options as RedlockStoreOptions;
  if (!Number.isSafeInteger(quorum) || quorum < majority || quorum > nodes) {
    throw optionError(
      where,
      'quorum',
      majority === nodes
        ? `${nodes} with ${nodes} ${nodes === 1 ? 'node' : 'nodes'} (a majority of them)`
        : `an integer from ${majority} (a majority of the ${nodes} nodes; with fewer, two owners could hold the lock at once) to ${nodes}`,
      quorum,
    );
  }
  return { quorum, driftFactor, nodeTimeout };
}
