import type { Cluster, Redis } from 'ioredis';
import { LockConfigError } from '../../engine/errors';
import { describeValue } from '../../engine/options';

/** A Redis client `RedisLockStore` can speak to, by kind. */
export type DetectedClient =
  | { readonly kind: 'ioredis'; readonly client: Redis }
  | { readonly kind: 'ioredis-cluster'; readonly client: Cluster };

/** The client kinds accepted today, as error messages name them. */
export const ACCEPTED_CLIENTS = 'an ioredis Redis or Cluster instance';

/**
 * Whether `value` is a Redis client lockwarden can use. Duck-typed (not `instanceof`), so a client
 * from another copy of ioredis in `node_modules` still counts, and so does ioredis-mock.
 */
export function isRedisClient(value: unknown): value is Redis | Cluster {
  const candidate = value as Record<string, unknown> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate['defineCommand'] === 'function' &&
    typeof candidate['duplicate'] === 'function' &&
    typeof candidate['pipeline'] === 'function'
  );
}

/**
 * Tell which Redis client `value` is, or throw a `LockConfigError` saying what to pass. The one
 * place that knows client kinds: each kind added here gets its own adapter.
 */
export function detectClient(value: unknown, where: string): DetectedClient {
  if (isRedisClient(value)) {
    // ioredis-mock, a common stand-in in tests, has no isCluster.
    return value.isCluster === true
      ? { kind: 'ioredis-cluster', client: value as Cluster }
      : { kind: 'ioredis', client: value as Redis };
  }
  throw new LockConfigError(
    `${where}: the client must be ${ACCEPTED_CLIENTS}, got ${describeValue(value)}.${hintFor(value)}`,
  );
}

function hintFor(value: unknown): string {
  const example = "new RedisLockStore(new Redis('redis://localhost:6379'))";
  if (typeof value === 'string') {
    return ` Create the client from the URL yourself: new RedisLockStore(new Redis(${JSON.stringify(value.slice(0, 60))})).`;
  }
  if (typeof value === 'object' && value !== null) {
    return ` To connect with options, create the client yourself: new RedisLockStore(new Redis({ host, port, ... })) or new RedisLockStore(new Cluster(nodes)); the store never opens your connection.`;
  }
  return ` For example: ${example}.`;
}
