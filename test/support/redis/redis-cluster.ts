import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, type ClusterOptions } from 'ioredis';
import { defer } from '../cleanup';
import { waitUntil } from '../wait-until';
import { ClientPool } from './client-pool';
import { freeClusterPort } from './free-port';
import { parseClusterNodes } from './cluster-nodes';
import { infoFields } from './info-fields';
import { startLocalRedis, type RedisServer } from './redis-server';

const execFileAsync = promisify(execFile);

const SLOTS = 16_384;

export interface RedisClusterOptions {
  /**
   * Primaries, each with one replica.
   * @default 3
   */
  primaries?: number;
  /**
   * `cluster-node-timeout`: how long a primary may be unreachable before its replica takes over.
   * Small, so a failover test takes seconds; large enough that a loaded machine does not fail
   * nodes over by itself.
   * @default 1000
   */
  nodeTimeout?: number;
}

/** One node of the cluster: a redis-server with its own directory for nodes.conf. */
export type ClusterNode = RedisServer;

/** A Redis Cluster this test file started on free loopback ports. */
export interface RedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** The nodes' directories (nodes.conf), removed by `stop()`. */
  readonly dirs: readonly string[];
  /** Every node's address, for `new Cluster(startupNodes)`. */
  readonly startupNodes: ReadonlyArray<{ host: string; port: number }>;
  /** A new ioredis Cluster client; disconnected by `stop()`. */
  client(options?: ClusterOptions): Cluster;
  /** The hash slot of `key` (asked of the cluster, so it is Redis' own answer). */
  slotOf(key: string): Promise<number>;
  /** The node serving `slotOrKey` (a slot number or a key) as primary right now. */
  primaryOf(slotOrKey: number | string): Promise<ClusterNode>;
  /** The primaries and their replicas right now, as the nodes that are up agree on them. */
  shards(): Promise<Shard[]>;
  /**
   * SIGKILL the primary serving `target` (a slot, a key or a node) and wait until its replica
   * has been promoted and every node that is up serves all slots again.
   */
  killPrimary(target: number | string | ClusterNode): Promise<{
    killed: ClusterNode;
    promoted: ClusterNode;
  }>;
  /** Stop every node and remove their directories. */
  stop(): Promise<void>;
}

export interface Shard {
  /** `[first, last]` slot ranges. */
  ranges: Array<[number, number]>;
  primary: ClusterNode;
  replicas: ClusterNode[];
}

/**
 * `redis-server` arguments for a node in cluster mode, with `settings` (`{ name: value }`, as
 * in redis.conf) after them: its nodes.conf lives in the server's own directory. Start it on a
 * port from `freeClusterPort` (its cluster bus port, + 10 000, must be free too).
 */
export function clusterNodeArgs(settings: Record<string, string | number> = {}): string[] {
  return Object.entries({
    'cluster-enabled': 'yes',
    'cluster-config-file': 'nodes.conf',
    ...settings,
  }).flatMap(([name, value]) => [`--${name}`, String(value)]);
}

/**
 * Start `2 × primaries` redis-servers with cluster mode on (each on a free port whose bus port,
 * port + 10000, is free too), join them with `redis-cli --cluster create --cluster-replicas 1`,
 * and wait until every node reports `cluster_state:ok` with all 16384 slots served and every
 * replica in sync. Stopped after the test (or file) that started it.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const primaries = options.primaries ?? 3;
  const nodeTimeout = options.nodeTimeout ?? 1_000;
  const pool = new ClientPool();
  const nodes: ClusterNode[] = [];
  const stop = async (): Promise<void> => {
    pool.disconnectAll();
    // Each node removes its own directory, nodes.conf included.
    await Promise.all(nodes.map((node) => node.stop()));
  };

  const started = await Promise.allSettled(
    Array.from({ length: 2 * primaries }, async () => {
      const node = await startLocalRedis({
        pickPort: freeClusterPort,
        args: clusterNodeArgs({
          'cluster-node-timeout': nodeTimeout,
          // A failed primary must not take the other slots down with it.
          'cluster-require-full-coverage': 'no',
          // A replica takes over however long ago it last heard from its primary.
          'cluster-replica-validity-factor': 0,
          // Replicas stay where `--cluster create` put them.
          'cluster-allow-replica-migration': 'no',
        }),
      });
      nodes.push(node);
      return node;
    }),
  );
  // Nodes that did start stop themselves; deferred after them, this runs first and closes the
  // clients before their nodes go.
  defer(stop);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  nodes.sort((a, b) => a.port - b.port);
  await execFileAsync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ],
    { timeout: 60_000 },
  ).catch((error: Error & { stdout?: string }) => {
    throw new Error(`redis-cli --cluster create failed: ${error.message}\n${error.stdout ?? ''}`);
  });
  const byPort = (port: number): ClusterNode => {
    const node = nodes.find((n) => n.port === port);
    if (!node) throw new Error(`port ${port} is not a node of this cluster`);
    return node;
  };
  const up = (): ClusterNode[] => nodes.filter((node) => node.running);
  const ask = (node: ClusterNode, ...command: [string, ...string[]]): Promise<unknown> =>
    pool.admin(node.port).call(...command);

  const shardsAsSeenBy = async (node: ClusterNode): Promise<Shard[]> =>
    parseClusterNodes((await ask(node, 'CLUSTER', 'NODES')) as string).map((shard) => ({
      ranges: shard.ranges,
      primary: byPort(shard.primary),
      replicas: shard.replicas.map(byPort),
    }));
  const describeShards = (shards: Shard[]): string =>
    shards
      .map((s) => `${s.primary.port}[${s.ranges.map((r) => r.join('-')).join(',')}]`)
      .sort()
      .join(' ');

  /**
   * Every node that is up: state ok, all slots served, and the same map of slots to primaries.
   * A node that does not answer (one being failed over) means "not yet".
   */
  const healthy = (): Promise<Shard[] | false> => agreedShards().catch(() => false);
  const agreedShards = async (): Promise<Shard[] | false> => {
    const views = await Promise.all(
      up().map(async (node) => {
        const info = infoFields((await ask(node, 'CLUSTER', 'INFO')) as string);
        const ok =
          info.get('cluster_state') === 'ok' && info.get('cluster_slots_ok') === String(SLOTS);
        return ok ? await shardsAsSeenBy(node) : undefined;
      }),
    );
    if (views.some((view) => view === undefined)) return false;
    const shards = views[0]!;
    const covered = shards.flatMap((s) => s.ranges).reduce((sum, [a, b]) => sum + b - a + 1, 0);
    const agreed = views.every((view) => describeShards(view!) === describeShards(shards));
    return covered === SLOTS && agreed && shards;
  };
  const inSync = async (replica: ClusterNode): Promise<boolean> => {
    const reply = await ask(replica, 'INFO', 'replication').catch(() => '');
    const info = infoFields(reply as string);
    return info.get('role') === 'slave' && info.get('master_link_status') === 'up';
  };

  const shards = async (): Promise<Shard[]> =>
    waitUntil('the cluster nodes to agree on its shards', healthy, 30_000, 50);
  const slotOf = async (key: string): Promise<number> =>
    (await ask(up()[0]!, 'CLUSTER', 'KEYSLOT', key)) as number;
  const shardOf = async (slotOrKey: number | string): Promise<Shard> => {
    const slot = typeof slotOrKey === 'number' ? slotOrKey : await slotOf(slotOrKey);
    const shard = (await shards()).find((s) => s.ranges.some(([a, b]) => a <= slot && slot <= b));
    if (!shard) throw new Error(`no primary serves slot ${slot}`);
    return shard;
  };

  await waitUntil(
    'every replica of the new cluster to be in sync',
    async () => {
      const current = await healthy();
      if (!current || current.length !== primaries) return false;
      const replicas = current.flatMap((s) => s.replicas);
      return (
        replicas.length === primaries && (await Promise.all(replicas.map(inSync))).every(Boolean)
      );
    },
    30_000,
    50,
  );
  const startupNodes = nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));
  return {
    nodes,
    dirs: nodes.map((node) => node.dir!),
    startupNodes,
    client: (clientOptions) => pool.add(new Cluster(startupNodes, clientOptions)),
    slotOf,
    primaryOf: async (slotOrKey) => (await shardOf(slotOrKey)).primary,
    shards,
    async killPrimary(target) {
      const shard =
        typeof target === 'object'
          ? (await shards()).find((s) => s.primary === target)
          : await shardOf(target);
      if (!shard) throw new Error(`node ${(target as ClusterNode).port} is not a primary`);
      const [replica] = shard.replicas;
      if (!replica) throw new Error(`primary ${shard.primary.port} has no replica to promote`);
      await shard.primary.kill();
      await waitUntil(
        `replica ${replica.port} to take over from primary ${shard.primary.port}`,
        async () => {
          const now = await healthy();
          return now && now.some((s) => s.primary === replica);
        },
        30_000,
        50,
      );
      return { killed: shard.primary, promoted: replica };
    },
    stop,
  };
}
