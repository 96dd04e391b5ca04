import { LockConfigError } from '../../engine/errors';
import { describeValue } from '../../engine/validate';
import { GlidePort, type GlideClient } from './glide';
import { IoredisPort, type IoredisClient } from './ioredis';
import { NodeRedisPort, type NodeRedisClient } from './node-redis';
import type { RedisPort } from './redis-port';

/**
 * A Redis client `RedisLockStore` speaks to: an ioredis `Redis` or `Cluster` (5, 6), a node-redis
 * client from `createClient()` or `createCluster()` (5, 6; connected), or a Valkey GLIDE
 * `GlideClient` or `GlideClusterClient` (2). Recognised by shape, so none of these packages is
 * loaded unless you pass its client.
 *
 * @example
 * const client: RedisClient = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const store = new RedisLockStore(client);
 */
export type RedisClient = IoredisClient | NodeRedisClient | GlideClient;

/** The client kinds accepted, as error messages name them. */
export const ACCEPTED_CLIENTS =
  'an ioredis Redis or Cluster, a connected node-redis client (createClient() or createCluster()), or a Valkey GLIDE GlideClient or GlideClusterClient';

type Members = Record<string, unknown>;

const functions = (value: unknown, ...names: string[]): value is Members =>
  typeof value === 'object' &&
  value !== null &&
  names.every((name) => typeof (value as Members)[name] === 'function');

/**
 * Whether `value` is an ioredis client. Duck-typed (not `instanceof`), so a client from another
 * copy of ioredis in `node_modules` still counts, and so does ioredis-mock.
 */
export function isIoredisClient(value: unknown): value is IoredisClient {
  return functions(value, 'defineCommand', 'duplicate', 'pipeline');
}

/** Whether `value` is a node-redis client or cluster (connected or not). */
export function isNodeRedisClient(value: unknown): value is NodeRedisClient {
  return functions(value, 'sendCommand', 'duplicate', 'multi') && 'isOpen' in value;
}

/** Whether `value` is a Valkey GLIDE client. */
export function isGlideClient(value: unknown): value is GlideClient {
  return functions(value, 'invokeScript', 'customCommand', 'close');
}

/** Whether `value` is a Redis client of any kind lockwarden can use. */
export function isRedisClient(value: unknown): value is RedisClient {
  return isIoredisClient(value) || isNodeRedisClient(value) || isGlideClient(value);
}

/**
 * The port for the client `value`, or a `LockConfigError` saying what to pass. The one place
 * that knows client kinds: each kind has its adapter file beside this one. Nothing here imports
 * a client package: the user's client is recognised by its shape.
 */
export function detectClient(value: unknown, where: string): RedisPort {
  if (isIoredisClient(value)) return new IoredisPort(value);
  if (isNodeRedisClient(value)) {
    if (!value.isOpen) {
      throw new LockConfigError(
        `${where}: the node-redis client is not connected. Call \`await client.connect()\` before passing it (lockwarden never opens or closes your connection).`,
      );
    }
    return new NodeRedisPort(value);
  }
  if (isGlideClient(value)) return new GlidePort(value);
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
