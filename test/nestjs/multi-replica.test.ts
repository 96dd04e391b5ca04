import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import type { RunRecord } from '../../examples/nestjs-app/run-log';
import { describeWithRedis } from '../support/redis/describe-with-redis';
import { useRedisServer } from '../support/redis/use-redis-server';
import { waitUntil } from '../support/wait-until';
import type { CloseMessage, ReplicaOptions } from '../support/workers/nest-replica';
import { forkWorker } from '../support/workers/worker-process';

// Real processes: each replica is examples/nestjs-app with @SingleInstanceCron('* * * * * *')
// (the heartbeat, overlap: 'allow'), started by test/support/workers/nest-replica.ts; some
// scenarios add the test.sweep job (same schedule, overlap: 'skip'). The four scenarios run at
// the same time (one Redis, one key prefix each), so the whole file takes about one window.

/** The sweep job's run-lock ttl: how long a killed replica can block its next runs. */
const RUN_LOCK_TTL = 1_500;

interface Scenario {
  name: string;
  skews: number[];
  jobDurationMs: number;
  /** How long all replicas stay up together before they are told to shut down. */
  windowMs: number;
  charges?: number;
  /** Also run the test.sweep job (overlap: 'skip') with runs this long. */
  sweepDurationMs?: number;
  /** SIGKILL a replica in the middle of a sweep run, this long after all are up. */
  killAfterMs?: number;
}

interface Outcome {
  records: RunRecord[];
  readyAt: number[];
  closingAt: Map<string, number>;
  killed?: { replica: string; at: number };
  output: string;
}

async function runScenario(url: string, redis: Redis, scenario: Scenario): Promise<Outcome> {
  const runLogKey = `runs:${scenario.name}`;
  const replicas = scenario.skews.map((skewMs, i) => {
    const replica = `${scenario.name}-${i}`;
    const options: ReplicaOptions = {
      redisUrl: url,
      prefix: scenario.name,
      replica,
      runLogKey,
      jobDurationMs: scenario.jobDurationMs,
      skewMs,
      runForMs: 60_000,
      charges: scenario.charges ?? 0,
      sweepDurationMs: scenario.sweepDurationMs,
    };
    const worker = forkWorker('nest-replica.ts', [JSON.stringify(options)], {
      captureOutputAs: replica,
    });
    return { replica, worker };
  });
  const output = (): string => replicas.map((r) => r.worker.output).join('');
  const ready = await Promise.all(replicas.map((r) => r.worker.next('ready', 60_000)));
  const readyAt = ready.map((message) => message['at'] as number);
  const allUp = Date.now();

  let killed: Outcome['killed'];
  if (scenario.killAfterMs !== undefined) {
    await sleep(scenario.killAfterMs);
    // Kill whichever replica is running the sweep right now: a start without its end.
    const running = await waitUntil('a sweep run to start', async () => {
      const records = await readRecords(redis, runLogKey);
      const last = records.filter((r) => r.event.startsWith('sweep:')).at(-1);
      return last?.event === 'sweep:start' && last;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output()}`);
    });
    const victim = replicas.find((r) => r.replica === running.replica)!;
    victim.worker.signal('SIGKILL');
    killed = { replica: victim.replica, at: Date.now() };
  }
  // After a kill, stay up long enough for the killed run's lock to lapse and a few ticks to follow,
  // however late a loaded machine made the kill.
  const end = Math.max(
    allUp + scenario.windowMs,
    killed ? killed.at + RUN_LOCK_TTL + 4_500 : Number.NEGATIVE_INFINITY,
  );
  await sleep(end - Date.now());
  for (const { worker } of replicas) {
    if (worker.alive) worker.send({ type: 'close' } satisfies CloseMessage);
  }
  await Promise.all(replicas.map((r) => r.worker.exited));
  const closingAt = new Map<string, number>();
  for (const { replica, worker } of replicas) {
    const closing = worker.messages.find((m) => m.type === 'closing');
    if (closing) closingAt.set(replica, closing['at'] as number);
  }
  return {
    records: await readRecords(redis, runLogKey),
    readyAt,
    closingAt,
    killed,
    output: output(),
  };
}

async function readRecords(redis: Redis, key: string): Promise<RunRecord[]> {
  return (await redis.lrange(key, 0, -1)).map((line) => JSON.parse(line) as RunRecord);
}

/**
 * Runs of `job` by scheduled second, as the library named their ticks: with overlap: 'allow' the
 * run lock does (`<name>:run:<scheduled ms>`), the sweep job records it; otherwise the second
 * nearest to the run's start.
 */
function runsBySecond(records: RunRecord[], job = 'heartbeat'): Map<number, RunRecord[]> {
  const bySecond = new Map<number, RunRecord[]>();
  for (const record of records.filter((r) => r.event === `${job}:start`)) {
    const named = /:run:(\d+)$/.exec(record.lock ?? '');
    const tick = named
      ? Number(named[1])
      : typeof record['tick'] === 'number'
        ? record['tick']
        : record.at;
    const second = Math.round(tick / 1_000);
    bySecond.set(second, [...(bySecond.get(second) ?? []), record]);
  }
  return bySecond;
}

/** The seconds whose ticks fall in [from, to] (epoch ms). */
function secondsBetween(from: number, to: number): number[] {
  const seconds: number[] = [];
  for (let s = Math.ceil(from / 1_000); s * 1_000 <= to; s += 1) seconds.push(s);
  return seconds;
}

/**
 * In the run log's own order (RPUSH order, no clocks involved), sections of `prefix` under one
 * lock never overlap: each start is followed by the end of the same replica before the next start
 * under that lock. A run whose replica was killed has no end.
 */
function expectNoOverlap(records: RunRecord[], prefix: string, killedReplica?: string): number {
  const open = new Map<string, RunRecord>();
  let runs = 0;
  for (const record of records.filter((r) => r.event.startsWith(`${prefix}:`))) {
    const lock = record.lock ?? prefix;
    const inside = open.get(lock);
    if (record.event === `${prefix}:start`) {
      if (inside && inside.replica !== killedReplica) {
        throw new Error(`${record.replica} entered ${lock} while ${inside.replica} was inside`);
      }
      open.set(lock, record);
      runs += 1;
    } else {
      expect(inside?.replica).toBe(record.replica);
      open.delete(lock);
    }
  }
  // Replicas shut down gracefully, so every run that was not killed has ended.
  for (const inside of open.values()) {
    if (inside.replica !== killedReplica) {
      throw new Error(`the run started by ${inside.replica} never ended (shutdown cut it off)`);
    }
  }
  return runs;
}

/** Whether some run of `prefix` started while an earlier run (of another tick) was still going. */
function someRunsOverlapped(records: RunRecord[], prefix: string): boolean {
  const running = new Set<string>();
  for (const record of records.filter((r) => r.event.startsWith(`${prefix}:`))) {
    const run = `${record.replica} ${record.lock}`;
    if (record.event === `${prefix}:start`) {
      // Any run still going, on whichever replica won its tick (which replica wins is a race).
      if (running.size > 0) return true;
      running.add(run);
    } else {
      running.delete(run);
    }
  }
  return false;
}

describeWithRedis('@SingleInstanceCron across 3 replica processes (examples/nestjs-app)', () => {
  const redis = useRedisServer();
  const outcomes = new Map<string, Outcome>();
  const scenarios: Scenario[] = [
    { name: 'steady', skews: [0, 0, 0], jobDurationMs: 200, windowMs: 6_000, charges: 3 },
    { name: 'skew', skews: [300, 0, 0], jobDurationMs: 200, windowMs: 6_000 },
    {
      name: 'kill',
      skews: [0, 0, 0],
      jobDurationMs: 400,
      sweepDurationMs: 400,
      windowMs: 8_000,
      killAfterMs: 3_500,
    },
    {
      name: 'overlap',
      skews: [0, 0, 0],
      jobDurationMs: 2_500,
      sweepDurationMs: 2_500,
      windowMs: 6_000,
    },
  ];

  beforeAll(async () => {
    const results = await Promise.all(scenarios.map((s) => runScenario(redis.url, redis.raw, s)));
    scenarios.forEach((s, i) => outcomes.set(s.name, results[i]!));
    // DEBUG_REPLICAS=1 prints each scenario's timeline (ms after the first replica was ready).
    if (process.env['DEBUG_REPLICAS']) {
      for (const [name, o] of outcomes) {
        const t0 = Math.min(...o.readyAt);
        console.log(
          name,
          o.readyAt.map((t) => t - t0),
          [...o.closingAt].map(([r, t]) => `${r}:${t - t0}`),
          o.records
            .filter((r) => r.event === 'heartbeat:start')
            .map((r) => `${r.replica}@${r.at - t0}`)
            .join(' '),
          o.output,
        );
      }
    }
  }, 90_000);

  const outcome = (name: string): Outcome => {
    const result = outcomes.get(name);
    if (!result) throw new Error(`scenario ${name} did not run`);
    return result;
  };
  it('no replica logs an error in any scenario (a job cut off by shutdown would)', () => {
    for (const scenario of scenarios) {
      expect(outcome(scenario.name).output).not.toMatch(/\bERROR\b/);
    }
  });

  const explain = (result: Outcome, bySecond: Map<number, RunRecord[]>) =>
    `${[...bySecond].map(([s, runs]) => `${s}: ${runs.map((r) => r.replica).join(',')}`).join('\n')}\n${result.output}`;

  /** Each tick while all replicas were up ran exactly once; no tick ever ran twice. */
  const expectEveryTickOnce = (result: Outcome): void => {
    const bySecond = runsBySecond(result.records);
    const window = secondsBetween(
      Math.max(...result.readyAt) + 500,
      Math.min(...result.closingAt.values()) - 500,
    );
    expect(window.length).toBeGreaterThanOrEqual(4);
    const counts = window.map((s) => bySecond.get(s)?.length ?? 0);
    if (counts.some((c) => c !== 1)) throw new Error(explain(result, bySecond));
    // Never twice, even outside the window.
    expect([...bySecond.values()].every((runs) => runs.length === 1)).toBe(true);
  };

  it('runs every tick exactly once while all replicas are up', () => {
    const result = outcome('steady');
    expectEveryTickOnce(result);
    expectNoOverlap(result.records, 'heartbeat');
  });

  it('@Locked BillingService.charge: 9 concurrent calls from 3 processes run one at a time', () => {
    const result = outcome('steady');
    expect(expectNoOverlap(result.records, 'charge')).toBe(9);
  });

  it('still runs each tick exactly once when one replica clock is 300 ms ahead', () => {
    const result = outcome('skew');
    expectEveryTickOnce(result);
    // The fast replica fires first, so it wins the ticks, and the others skip them after it
    // finished (the claim outlives the run).
    expect(
      result.records.filter((r) => r.event === 'heartbeat:start').map((r) => r.replica),
    ).toContain('skew-0');
  });

  it('after a replica is SIGKILLed mid-run, later ticks still run exactly once', () => {
    const result = outcome('kill');
    const killed = result.killed!;
    expect(killed).toBeDefined();
    expect(result.records.filter((r) => r.replica === killed.replica && r.at > killed.at)).toEqual(
      [],
    );
    const closing = Math.min(...result.closingAt.values()) - 500;
    const sweeps = runsBySecond(result.records, 'sweep');
    expect([...sweeps.values()].every((runs) => runs.length === 1)).toBe(true);
    // overlap: 'skip': the killed run's lock lapses within its ttl; from then on every tick runs
    // again.
    const after = secondsBetween(killed.at + RUN_LOCK_TTL + 1_000, closing);
    expect(after.length).toBeGreaterThanOrEqual(2);
    const counts = after.map((s) => sweeps.get(s)?.length ?? 0);
    if (counts.some((c) => c !== 1)) throw new Error(explain(result, sweeps));
    // Before the kill too, from the second second after start-up on: the first ticks after a
    // replica is ready come while it still compiles its code, and on a loaded machine cron may
    // skip such a tick on every replica (its threshold), which says nothing about the lock.
    const before = secondsBetween(Math.max(...result.readyAt) + 1_500, killed.at - 1_000);
    expect(before.length).toBeGreaterThanOrEqual(1);
    const countsBefore = before.map((s) => sweeps.get(s)?.length ?? 0);
    if (countsBefore.some((c) => c !== 1)) throw new Error(explain(result, sweeps));
    expectNoOverlap(result.records, 'sweep', killed.replica);

    // overlap: 'allow' (the heartbeat): no gap at all. Only the tick of the second the replica
    // died in may have been claimed by it and never run (a tick runs at most once).
    const beats = runsBySecond(result.records);
    expect([...beats.values()].every((runs) => runs.length === 1)).toBe(true);
    const killSecond = Math.round(killed.at / 1_000);
    const window = secondsBetween(Math.max(...result.readyAt) + 500, closing).filter(
      (s) => s !== killSecond,
    );
    expect(window.length).toBeGreaterThanOrEqual(4);
    if (window.some((s) => beats.get(s)?.length !== 1)) throw new Error(explain(result, beats));
    expectNoOverlap(result.records, 'heartbeat', killed.replica);
  });

  it('never runs a 2.5 s job twice at once on a 1 s schedule (ticks during a run are skipped)', () => {
    const result = outcome('overlap');
    const runs = expectNoOverlap(result.records, 'sweep');
    expect(runs).toBeGreaterThanOrEqual(2);
    const bySecond = runsBySecond(result.records, 'sweep');
    expect([...bySecond.values()].every((r) => r.length === 1)).toBe(true);
  });

  it("with overlap: 'allow', a 2.5 s job still runs each tick exactly once, beside earlier runs", () => {
    const result = outcome('overlap');
    const bySecond = runsBySecond(result.records);
    const window = secondsBetween(
      Math.max(...result.readyAt) + 500,
      Math.min(...result.closingAt.values()) - 500,
    );
    expect(window.length).toBeGreaterThanOrEqual(4);
    if (window.some((s) => bySecond.get(s)?.length !== 1)) {
      throw new Error(explain(result, bySecond));
    }
    expect([...bySecond.values()].every((r) => r.length === 1)).toBe(true);
    expect(someRunsOverlapped(result.records, 'heartbeat')).toBe(true);
    // Each tick has its own run lock, so no lock ever had two replicas inside.
    expectNoOverlap(result.records, 'heartbeat');
  });
});
