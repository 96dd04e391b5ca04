/**
 * Issue 5: fair and plain acquisitions of one key, mixed in 3 processes (6 fair loops, 6 plain
 * loops) for a few seconds. The rule (docs/design.md): a free lock goes to the head of a non-empty
 * queue, and a plain caller that finds a queue joins it, so nobody barges past fair waiters and
 * nobody is left behind. Proves: no overlaps, no deadlock (no waiter times out, every process
 * finishes), no starvation (every loop, fair or plain, gets turns), queued acquisitions in ticket
 * order, and nothing left in Redis afterwards: no queue entries at all once everybody stopped,
 * and no key at all once the waiter ttl has passed.
 */
import type Redis from 'ioredis';
import {
  fairKeys,
  forkFairWorker,
  killFairWorkers,
  sleep,
  waitFor,
  type FairWorker,
} from '../../support/fair-harness';
import {
  overlapsByServerTime,
  runContention,
  spreadOf,
  ticketOrderViolations,
} from '../../support/fair-contention';
import { describeWithRedis, startRedis, type RedisServer } from '../../support/redis-server';

const PROCESSES = 3;
const LOOPS_PER_PROCESS = 4;
const DURATION_MS = 3_000;
const TTL_MS = 1_000;
const FENCE_GRACE_MS = 200;
/** DEFAULT_WAITER_TTL of RedisLockStore. */
const WAITER_TTL_MS = 2_000;

describeWithRedis('fair locks: fair and plain waiters mixed on one key (real redis-server)', () => {
  let server: RedisServer;
  let raw: Redis;
  let data: Redis;
  let workers: FairWorker[] = [];

  beforeAll(async () => {
    server = await startRedis();
    raw = server.client();
    data = server.client({ db: 1 });
  });

  afterEach(async () => {
    await killFairWorkers();
  });

  afterAll(async () => {
    await killFairWorkers();
    await server?.stop();
  });

  it('no overlaps, no deadlock, no starvation, and no keys left once the waiter ttl has passed', async () => {
    const key = 'fair-mixed';
    const keys = fairKeys(key);
    workers = Array.from({ length: PROCESSES }, (_, i) =>
      forkFairWorker('fair-loops.ts', [server.url, `p${i}`]),
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
    expect(await data.get('inside:mixed')).toBe('0');
    expect(overlapsByServerTime(run.sections)).toEqual([]);
    // No starvation: every loop, fair and plain, had turns.
    expect(run.loops.filter((l) => l.count === 0)).toEqual([]);
    expect(run.loops.filter((l) => l.fair)).toHaveLength(6);
    // Whoever acquired from the queue (fair, or plain that joined it) did so in ticket order.
    expect(ticketOrderViolations(run.sections)).toEqual([]);

    // Everybody stopped, every wait ended by acquiring: no queue entries remain, and whatever
    // remains (the fence key) expires within the waiter ttl.
    expect(await raw.exists(keys.lock, keys.queue, keys.deadlines)).toBe(0);
    const left = await raw.keys('*');
    const pttls = await Promise.all(left.map((k) => raw.pttl(k)));
    expect(left.filter((k, i) => !(pttls[i]! > 0 && pttls[i]! <= WAITER_TTL_MS))).toEqual([]);

    await sleep(WAITER_TTL_MS);
    expect(await raw.keys('*')).toEqual([]);
    // Redis reclaims logically expired keys in the background; DBSIZE reaches 0 shortly after.
    await waitFor('DBSIZE 0', async () => (await raw.dbsize()) === 0, 2_000);
  }, 40_000);
});
