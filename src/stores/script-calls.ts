// How RedisLockStore talks to its scripts: the arguments it leaves out, the calls of a
// renew-many, and what acquire.lua's answer means.
import type { ScriptCall } from './clients/redis-port';
import { keySlot } from './clients/key-slot';
import {
  DEFAULT_FENCE_GRACE,
  DEFAULT_WAITER_TTL,
  type AcquireResult,
  type RenewRequest,
} from './lock-store';
import { fenceKeyOf, RENEW_CHUNK, SCRIPTS } from './redis-layout';

/** What `acquire.lua` answered, as an {@link AcquireResult}. */
export function acquireResult(answer: unknown): AcquireResult {
  const reply = answer as [number, number, number, string?, (number | string)?];
  if (reply[0] === 1) {
    return reply[2] >= 0
      ? { acquired: true, fence: reply[1], ticket: reply[2] }
      : { acquired: true, fence: reply[1] };
  }
  if (reply[2] !== 1) return { acquired: false, ttl: reply[1] };
  const serverTime = Number(reply[3]);
  // Redis counts the key expired once its ms clock is past the expiry time: from expiry + 1.
  return reply[4] === undefined
    ? { acquired: false, ttl: reply[1], queued: true, serverTime }
    : {
        acquired: false,
        ttl: reply[1],
        queued: true,
        serverTime,
        expiresIn: Number(reply[4]) + 1 - serverTime,
      };
}

/**
 * What `acquire.lua` reads a missing ARGV[i + 1] as (mode, metadata, channel id, waiter ttl,
 * fence grace; `undefined`: never left out), and `release.lua` likewise (channel id, fence grace,
 * publish mode).
 */
export const ACQUIRE_DEFAULTS = [
  undefined,
  undefined,
  'plain',
  '',
  '',
  DEFAULT_WAITER_TTL,
  DEFAULT_FENCE_GRACE,
];
export const RELEASE_DEFAULTS = [undefined, '', DEFAULT_FENCE_GRACE, 'classic', ''];

/**
 * `args` without the trailing ones that equal what the script reads when they are missing: the
 * usual call is shorter to build, send and parse (an engine's acquire sends owner, ttl, mode,
 * metadata and channel id; its release, the owner and channel id).
 */
export function withoutDefaultTail(
  args: Array<string | number>,
  defaults: ReadonlyArray<string | number | undefined>,
): Array<string | number> {
  let length = args.length;
  while (length > 0 && args[length - 1] === defaults[length - 1]) length -= 1;
  args.length = length;
  return args;
}

/**
 * The `renew-many` calls for `requests`: grouped by hash slot on a cluster (all in one group on a
 * single server), at most `RENEW_CHUNK` locks a call. `chunks[c]` lists the indexes in `requests`
 * that `calls[c]` renews, in its reply's order.
 */
export function renewManyCalls(
  requests: readonly RenewRequest[],
  cluster: boolean,
  fenceGrace: number,
): { chunks: number[][]; calls: ScriptCall[] } {
  const groups = new Map<number, number[]>();
  requests.forEach((request, i) => {
    const slot = cluster ? keySlot(request.key) : 0;
    const group = groups.get(slot);
    if (group) group.push(i);
    else groups.set(slot, [i]);
  });
  const chunks: number[][] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += RENEW_CHUNK) {
      chunks.push(group.slice(i, i + RENEW_CHUNK));
    }
  }
  const calls: ScriptCall[] = chunks.map((chunk) => ({
    script: SCRIPTS.renewMany,
    keys: chunk.flatMap((i) => [requests[i]!.key, fenceKeyOf(requests[i]!.key)]),
    args: [...chunk.flatMap((i) => [requests[i]!.owner, requests[i]!.ttl]), fenceGrace],
  }));
  return { chunks, calls };
}
