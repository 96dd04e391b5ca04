/**
 * Issue 5: fair and plain acquisitions of one key, mixed in 3 processes (6 fair loops, 6 plain
 * loops) for a few seconds. The rule (docs/design.md): a free lock goes to the head of a non-empty
 * queue, and a plain caller that finds a queue joins it, so nobody barges past fair waiters and
 * nobody is left behind. Proves: no overlaps, no deadlock (no waiter times out, every process
 * finishes), no starvation (every loop, fair or plain, gets turns), no fair waiter overtaken,
 * and nothing left in Redis afterwards: no queue entries at all once everybody stopped, and no
 * key at all once the waiter ttl has passed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { fairKeys } from '../../support/redis/lock-layout';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { waitUntil } from '../../support/wait-until';
import {
  overlapsByServerTime,
  runContention,
  spreadOf,
  ticketOrderViolations,
} from '../../support/workers/fair-contention';
import { forkWorker } from '../../support/workers/worker-process';

const PROCESSES = 3;
const LOOPS_PER_PROCESS = 4;
const DURATION_MS = 3_000;
const TTL_MS = 1_000;
const FENCE_GRACE_MS = 200;
/** DEFAULT_WAITER_TTL of RedisLockStore. */
const WAITER_TTL_MS = 2_000;

describeWithRedis('fair locks: fair and plain waiters mixed on one key (real redis-server)', () => {
  const redis = useRedisServer();

  it('no overlaps, no deadlock, no starvation, and no keys left once the waiter ttl has passed', async () => {
    const key = 'fair-mixed';
    const keys = fairKeys(key);
    const workers = Array.from({ length: PROCESSES }, (_, i) =>
      forkWorker('fair-loops.ts', [redis.url, `p${i}`]),
    );
    await Promise.all(workers.map((w) => w.next('ready', 20_000)));

    const run = await runContention(workers, {
      run: 'mixed',
      key,
      // Alternate fair and plain loops, differently in each process.
      loops: (w) => Array.from({ length: LOOPS_PER_PROCESS }, (_, i) => (i + w) % 2 === 0),
      durationMs: DURATION_MS,
      sectionMs: 3,
      ttl: TTL_MS,
      waitTimeout: 8_000,
      insideKey: 'inside:mixed',
      fenceGrace: FENCE_GRACE_MS,
    });
    for (const w of workers) w.send({ type: 'exit' });
    await Promise.all(workers.map((w) => w.next('finished', 10_000)));

    const spread = spreadOf(run);
    const counts = (fair: boolean) =>
      run.loops.filter((l) => l.fair === fair).map((l) => `${l.worker}/${l.loop}=${l.count}`);
    const queued = run.sections.filter((s) => s.ticket !== null);
    console.log(
      [
        `mixed: ${run.sections.length} sections, ${queued.length} from the queue; per-loop min ${spread.min}, max ${spread.max}`,
        `  fair loops:  ${counts(true).join(' ')}`,
        `  plain loops: ${counts(false).join(' ')}`,
        `  queued acquisitions by plain callers: ${queued.filter((s) => !s.fair).length}`,
      ].join('\n'),
    );

    // No deadlock: nobody timed out or failed, every process finished.
    expect(run.errors).toEqual([]);
    // No overlaps.
    expect(run.loops.filter((l) => l.maxInside !== 1)).toEqual([]);
    expect(await redis.client({ db: 1 }).get('inside:mixed')).toBe('0');
    expect(overlapsByServerTime(run.sections)).toEqual([]);
    // No starvation: every loop, fair and plain, had turns.
    expect(run.loops.filter((l) => l.count === 0)).toEqual([]);
    expect(run.loops.filter((l) => l.fair)).toHaveLength(6);
    // No fair waiter was overtaken: nobody who joined the queue after it (fair, or plain that
    // joined it) acquired before it. (Plain waiters may be overtaken by a release's successor.)
    expect(ticketOrderViolations(run.sections)).toEqual([]);

    // Everybody stopped, every wait ended by acquiring: no queue entries remain, and whatever
    // remains (the fence key) expires within the waiter ttl.
    expect(await redis.raw.exists(keys.lock, keys.queue, keys.deadlines)).toBe(0);
    const left = await redis.raw.keys('*');
    const pttls = await Promise.all(left.map((k) => redis.raw.pttl(k)));
    expect(left.filter((k, i) => !(pttls[i]! > 0 && pttls[i]! <= WAITER_TTL_MS))).toEqual([]);

    await sleep(WAITER_TTL_MS);
    expect(await redis.raw.keys('*')).toEqual([]);
    // Redis reclaims logically expired keys in the background; DBSIZE reaches 0 shortly after.
    await waitUntil('DBSIZE 0', async () => (await redis.raw.dbsize()) === 0, 2_000);
  }, 40_000);
});
