/**
 * Harness of the fair-lock (issue 5) integration tests: forked `fair-*.ts` workers with queued IPC
 * messages (from `engine-harness.ts`), the Redis layout of one lock, and server-clock helpers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';

export { sleep };

// Forked workers, queued IPC messages and cleanup by PID are the engine tests' harness.
export {
  WorkerProcess as FairWorker,
  forkWorker as forkFairWorker,
  killWorkers as killFairWorkers,
  type WorkerMessage as FairMessage,
} from './engine-harness';

/**
 * Poll `check` until it holds, for at most `timeoutMs`. Used to reach a state (an entry is
 * queued, a key is gone), never to assert how fast it was reached.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 5_000,
  intervalMs = 10,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** The Redis keys of lock `key` under prefix `lw` (see docs/design.md and the Lua scripts). */
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

/** Percentile (nearest rank) of `values`; `NaN` when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
