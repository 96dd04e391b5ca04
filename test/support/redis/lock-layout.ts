/**
 * The Redis layout of one lock under prefix `lw` (docs/design.md, the Lua scripts), and the
 * server clock that fences, queue tickets and waiter deadlines are made of.
 */
import type Redis from 'ioredis';

/** The Redis keys of lock `key` under prefix `lw`. */
export function fairKeys(key: string): {
  lock: string;
  fence: string;
  queue: string;
  deadlines: string;
  channel: string;
} {
  const lock = `lw:{${key}}`;
  return {
    lock,
    fence: `${lock}:fence`,
    queue: `${lock}:q`,
    deadlines: `${lock}:qt`,
    channel: `${lock}:rel`,
  };
}

/** The fair queue as `[token, ticket]` pairs, head first. */
export async function queueEntries(client: Redis, key: string): Promise<Array<[string, number]>> {
  const flat = await client.zrange(fairKeys(key).queue, 0, -1, 'WITHSCORES');
  const entries: Array<[string, number]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) entries.push([flat[i]!, Number(flat[i + 1])]);
  return entries;
}

/** Redis server time in ms (the clock of fences, tickets and waiter deadlines). */
export async function serverMs(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1_000 + Number(micros) / 1_000;
}
