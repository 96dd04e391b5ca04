import type { Cluster } from 'ioredis';
import { useForFile } from '../use-for-file';
import { startRedisCluster, type RedisCluster, type RedisClusterOptions } from './redis-cluster';

/** The cluster of the current file, ready inside hooks that run after it and in tests. */
export interface RedisClusterHandle {
  readonly cluster: RedisCluster;
  /**
   * One Cluster client shared by the file's tests, opened when first read (a test that fails a
   * node over and never reads it has no idle client following the switch), closed with the
   * cluster.
   */
  readonly client: Cluster;
}

/**
 * Start a Redis Cluster for this file (in `beforeAll`), stopped after the file once everything
 * made while it ran is closed. Call it inside `describeWithLocalRedis`.
 */
export function useRedisCluster(options: RedisClusterOptions = {}): RedisClusterHandle {
  const started = useForFile(
    'useRedisCluster(): the cluster',
    ['cluster'],
    async () => ({ cluster: await startRedisCluster(options) }),
    60_000,
  );
  let client: Cluster | undefined;
  return {
    get cluster() {
      return started.cluster;
    },
    get client() {
      client ??= started.cluster.client();
      return client;
    },
  };
}
