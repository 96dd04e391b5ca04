/**
 * Contention worker of the fair-lock tests: on each `run` message it runs N concurrent loops of
 * `withLock(key)` (each loop fair or plain) on one engine for a bounded time, around a short
 * critical section that counts who is inside with Redis INCR/DECR, and reports per-loop counts
 * and every acquisition (fence, queue ticket if any, server time of the section's exit).
 * Args: <redis url> <worker name>
 *
 * Messages in: { type: 'run', run, key, loops: boolean[] (fair per loop), durationMs, sectionMs,
 *   ttl, waitTimeout, insideKey, fenceGrace }, { type: 'exit' }.
 * Messages out: { type: 'ready' }, { type: 'result', run, loops, sections, errors }.
 * Data keys (the inside counter) live in database 1 so that database 0 holds only lock keys.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { LockEngine, RedisLockStore } from '../../../src';
import { argument, receive, run, send } from './worker-ipc';

export interface LoopResult {
  fair: boolean;
  count: number;
  maxInside: number;
}

export interface SectionRecord {
  worker: string;
  loop: number;
  fair: boolean;
  fence: number;
  /** The caller's queue ticket when it waited in the fair queue, else null. */
  ticket: number | null;
  /** Server time (µs) read right after the section left (just before the release). */
  exitUs: number;
}

export interface RunRequest {
  run: string;
  key: string;
  loops: boolean[];
  durationMs: number;
  sectionMs: number;
  ttl: number;
  waitTimeout: number;
  insideKey: string;
  fenceGrace: number;
}

const MAX_ERRORS_PER_LOOP = 3;

run(async () => {
  const url = argument(0, 'redis url');
  const name = argument(1, 'worker name');
  const data = new Redis(url, { db: 1 });
  await data.ping();
  send({ type: 'ready' });

  for (;;) {
    const message = await receive(['run', 'exit']);
    if (message.type === 'exit') break;
    const request = message as unknown as RunRequest & { type: 'run' };
    const result = await runLoops(url, name, data, request);
    send({ type: 'result', run: request.run, ...result });
  }
  await data.quit();
});

async function runLoops(
  url: string,
  worker: string,
  data: Redis,
  r: RunRequest,
): Promise<{ loops: LoopResult[]; sections: SectionRecord[]; errors: string[] }> {
  const client = new Redis(url);
  const store = new RedisLockStore(client, { fenceGrace: r.fenceGrace });
  const engine = new LockEngine({
    store,
    prefix: 'lw',
  });
  const errors: string[] = [];
  const tickets = new Map<number, number | null>();
  engine.on('acquired', (event) => {
    if (event.key === r.key) tickets.set(event.fence, event.ticket ?? null);
  });
  engine.on('error', (event) => errors.push(`${event.operation}: ${event.error.message}`));
  await client.ping();

  const sections: SectionRecord[] = [];
  const loops: LoopResult[] = r.loops.map((fair) => ({ fair, count: 0, maxInside: 0 }));
  const endAt = Date.now() + r.durationMs;

  await Promise.all(
    loops.map(async (loop, index) => {
      let failures = 0;
      while (Date.now() < endAt && failures < MAX_ERRORS_PER_LOOP) {
        try {
          await engine.withLock(
            r.key,
            async (lock) => {
              const inside = await data.incr(r.insideKey);
              loop.maxInside = Math.max(loop.maxInside, inside);
              await sleep(r.sectionMs);
              const replies = await data.multi().decr(r.insideKey).time().exec();
              const time = replies?.[1]?.[1] as [string, string] | undefined;
              loop.count += 1;
              sections.push({
                worker,
                loop: index,
                fair: loop.fair,
                fence: lock.fence,
                ticket: tickets.get(lock.fence) ?? null,
                exitUs: time ? Number(time[0]) * 1e6 + Number(time[1]) : Number.NaN,
              });
            },
            { fair: loop.fair, ttl: r.ttl, waitTimeout: r.waitTimeout },
          );
        } catch (error) {
          failures += 1;
          errors.push(`${worker} loop ${index}: ${String(error)}`);
        }
      }
    }),
  );

  await engine.close();
  await store.close();
  // QUIT waits for the replies of everything sent before it (a fire-and-forget dequeue included).
  await client.quit();
  return { loops, sections, errors };
}
