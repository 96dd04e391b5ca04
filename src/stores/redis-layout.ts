import { createHash } from 'node:crypto';
import type { PortScript } from './clients/redis-port';
import type { StoreGrant } from './lock-store';
import { LUA } from './lua/scripts';

// How RedisLockStore lays a lock out in Redis: the companion keys and channel of a lock key (all
// share its hash tag, hence its Cluster slot), and the scripts that read and change them.

/** The last fence issued for `key` (short-lived: it outlives the lock by the fence grace). */
export function fenceKeyOf(key: string): string {
  return `${key}:fence`;
}

/**
 * The pub/sub channel that announces releases of `key`, and grants to waiters whose store named no
 * channel id. A grant to a waiter whose store did goes to this channel + `:<id>` instead, which
 * only that store subscribes to (see `RedisLockStore`, `ReleaseSubscriptions`).
 */
export function releaseChannelOf(key: string): string {
  return `${key}:rel`;
}

/** The queue of `key` (waiter token → ticket). */
export function queueKeyOf(key: string): string {
  return `${key}:q`;
}

/** The deadlines of the waiters in the queue of `key` (waiter token → ms). */
export function waiterDeadlinesKeyOf(key: string): string {
  return `${key}:qt`;
}

/**
 * The grant records of the waiters in the queue of `key` (waiter token → "<ttl> <channel id>
 * <metadata>"): what a release needs to take the lock for the head waiter and tell its store.
 */
export function waiterRecordsKeyOf(key: string): string {
  return `${key}:w`;
}

/** Locks renewed by one `renew-many` call at most (so one call never grows without bound). */
export const RENEW_CHUNK = 100;

/**
 * Keys taken by one `acquire-many` call at most: a larger set is taken key by key, so one script
 * never blocks the server for long.
 */
export const ACQUIRE_MANY_LIMIT = 64;

/** The first server version with sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`), as a number. */
export const SHARDED_PUBSUB_VERSION = 0x070000;

const script = (name: string, source: string): PortScript => ({
  name,
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

/** Every script of the store, hashed once when the module loads. */
export const SCRIPTS = {
  acquire: script('acquire', LUA.acquire),
  acquireMany: script('acquireMany', LUA.acquireMany),
  renew: script('renew', LUA.renew),
  renewMany: script('renewMany', LUA.renewMany),
  release: script('release', LUA.release),
  inspect: script('inspect', LUA.inspect),
  forceRelease: script('forceRelease', LUA.forceRelease),
  dequeue: script('dequeue', LUA.dequeue),
  serverVersion: script('serverVersion', LUA.serverVersion),
} as const;

/**
 * A release notification as the scripts publish it: `''` (nobody queued), `'<token>'` (that
 * waiter should try) or `'<token> <fence> <server ms> <ticket> <ttl>'` (the lock was granted to
 * that waiter for `ttl` ms). Tokens never hold a space.
 */
export function parseReleaseMessage(message: string): {
  next: string | undefined;
  grant?: StoreGrant;
} {
  if (message === '') return { next: undefined };
  const [next, fenceText, timeText, ticketText, ttlText] = message.split(' ');
  if (fenceText === undefined) return { next };
  const fence = Number(fenceText);
  const serverTime = Number(timeText);
  if (!Number.isSafeInteger(fence) || !Number.isFinite(serverTime)) return { next };
  const grant: StoreGrant = { fence, serverTime };
  const ticket = Number(ticketText);
  if (Number.isFinite(ticket)) grant.ticket = ticket;
  const ttl = Number(ttlText);
  if (Number.isSafeInteger(ttl) && ttl > 0) grant.ttl = ttl;
  return { next, grant };
}
