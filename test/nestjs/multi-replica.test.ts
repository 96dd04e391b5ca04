import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import type { RunRecord } from '../../examples/nestjs-app/run-log';
import { describeWithRedis } from '../support/redis/describe-with-redis';
import { useRedisServer } from '../support/redis/use-redis-server';
import { waitUntil } from '../support/wait-until';
import type { CloseMessage, ReplicaOptions } from '../support/workers/nest-replica';
import { forkWorker } from '../support/workers/worker-process';

// Real processes: each replica is examples/nestjs-app with @SingleInstanceCron('* * * * * *'),
// started by test/support/workers/nest-replica.ts. The four scenarios run at the same time
// (one Redis, one key prefix each), so the whole file takes about one window.

/** The example job's run-lock ttl: how long a killed replica can block the next runs. */
const RUN_LOCK_TTL = 1_500;

interface Scenario {
  name: string;
  skews: number[];
  jobDurationMs: number;
  /** How long all replicas stay up together before they are told to shut down. */
  windowMs: number;
  charges?: number;
  /** SIGKILL a replica in the middle of a run, this long after all are up. */
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
    // Kill whichever replica is running the job right now: a start without its end.
    const running = await waitUntil('a run to start', async () => {
      const records = await readRecords(redis, runLogKey);
      const last = records.filter((r) => r.event.startsWith('heartbeat:')).at(-1);
      return last?.event === 'heartbeat:start' && last;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output()}`);
    });
    const victim = replicas.find((r) => r.replica === running.replica)!;
    victim.worker.signal('SIGKILL');
    killed = { replica: victim.replica, at: Date.now() };
  }
  await sleep(allUp + scenario.windowMs - Date.now());
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

/** Heartbeat runs by scheduled second: a run starts a few ms after its tick (or before, if skewed). */
function runsBySecond(records: RunRecord[]): Map<number, RunRecord[]> {
  const bySecond = new Map<number, RunRecord[]>();
  for (const record of records.filter((r) => r.event === 'heartbeat:start')) {
    const second = Math.round(record.at / 1_000);
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
 * In the run log's own order (RPUSH order, no clocks involved), runs of `prefix` never overlap:
 * each start is followed by the end of the same replica before the next start. A run whose
 * replica was killed has no end.
 */
function expectNoOverlap(records: RunRecord[], prefix: string, killedReplica?: string): number {
  let open: RunRecord | undefined;
  let runs = 0;
  for (const record of records.filter((r) => r.event.startsWith(`${prefix}:`))) {
    if (record.event === `${prefix}:start`) {
      if (open && open.replica !== killedReplica) {
        throw new Error(`${record.replica} started while ${open.replica} was still running`);
      }
      open = record;
      runs += 1;
    } else {
      expect(open?.replica).toBe(record.replica);
      open = undefined;
    }
  }
  // Replicas shut down gracefully, so every run that was not killed has ended.
  if (open && open.replica !== killedReplica) {
    throw new Error(`the run started by ${open.replica} never ended (shutdown cut it off)`);
  }
  return runs;
}

describeWithRedis('@SingleInstanceCron across 3 replica processes (examples/nestjs-app)', () => {
  const redis = useRedisServer();
  const outcomes = new Map<string, Outcome>();
  const scenarios: Scenario[] = [
    { name: 'steady', skews: [0, 0, 0], jobDurationMs: 200, windowMs: 6_000, charges: 3 },
    { name: 'skew', skews: [300, 0, 0], jobDurationMs: 200, windowMs: 6_000 },
    { name: 'kill', skews: [0, 0, 0], jobDurationMs: 400, windowMs: 7_000, killAfterMs: 2_000 },
    { name: 'overlap', skews: [0, 0, 0], jobDurationMs: 2_500, windowMs: 6_000 },
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
    const bySecond = runsBySecond(result.records);
    expect([...bySecond.values()].every((runs) => runs.length === 1)).toBe(true);
    expect(result.records.filter((r) => r.replica === killed.replica && r.at > killed.at)).toEqual(
      [],
    );
    // The killed run's lock lapses within its ttl; from then on every tick runs again.
    const after = secondsBetween(
      killed.at + RUN_LOCK_TTL + 1_000,
      Math.min(...result.closingAt.values()) - 500,
    );
    expect(after.length).toBeGreaterThanOrEqual(2);
    const counts = after.map((s) => bySecond.get(s)?.length ?? 0);
    if (counts.some((c) => c !== 1)) throw new Error(explain(result, bySecond));
    // Before the kill too.
    const before = secondsBetween(Math.max(...result.readyAt) + 500, killed.at - 1_000);
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.map((s) => bySecond.get(s)?.length ?? 0)).toEqual(before.map(() => 1));
    expectNoOverlap(result.records, 'heartbeat', killed.replica);
  });

  it('never runs a 2.5 s job twice at once on a 1 s schedule (ticks during a run are skipped)', () => {
    const result = outcome('overlap');
    const runs = expectNoOverlap(result.records, 'heartbeat');
    expect(runs).toBeGreaterThanOrEqual(2);
    const bySecond = runsBySecond(result.records);
    expect([...bySecond.values()].every((r) => r.length === 1)).toBe(true);
  });
});
