import type { RedisPort } from './clients/redis-port';

/**
 * Warnings for a Redis that may evict keys (`maxmemory-policy` other than `noeviction`): an
 * evicted lock is taken by another process while its holder still believes it holds it. Asks
 * `INFO memory` (it works where `CONFIG` is disabled), on every master of a cluster.
 */
export async function evictionWarnings(port: RedisPort): Promise<string[]> {
  const infos = await port.info('memory');
  const policies = infos.map((info) => /^maxmemory_policy:(.+?)\s*$/m.exec(info)?.[1]);
  const evicting = [...new Set(policies)].filter(
    (policy): policy is string => policy !== undefined && policy !== 'noeviction',
  );
  return evicting.map(
    (policy) =>
      `Redis maxmemory-policy is "${policy}", so Redis may evict keys, held locks among them, when it reaches maxmemory; another process then takes a lock whose holder still believes it holds it. Set maxmemory-policy to noeviction on the Redis that holds the locks.`,
  );
}
