import type { CrossCheck } from './run-log-cross-check';
import type { Ledger } from './ledger';

/** One claim of the summary and whether it holds. */
export interface Check {
  label: string;
  ok: boolean;
  value: string;
  detail: string;
}

/** Totals of the `@Locked` traffic, from the replicas' activity reports. */
export interface TrafficTotals {
  waited: number;
  waitedMs: number[];
  errors: number;
}

export interface SummaryInput {
  backend: 'redis' | 'memory';
  /** The job's schedule interval, ms. */
  intervalMs: number;
  ledger: Ledger;
  /** The same reading of Redis's own list, when there is Redis. */
  redis?: { crossCheck: CrossCheck; ledger: Ledger };
  traffic: TrafficTotals;
  /** The replica ended abruptly, how (`SIGKILL`, `Worker.terminate()`), and when. */
  kill: { replica: string; where: string; how: string; at: number } | undefined;
  /** Replica errors, crashes, unexpected exits. */
  problems: string[];
}

/** What `npm run demo` concludes; also written as JSON with DEMO_REPORT_FILE. */
export interface DemoReport {
  backend: 'redis' | 'memory';
  passed: boolean;
  checks: Check[];
  /** First and last tick held to "exactly once", and the interval between ticks (ms). */
  window: { first: number; last: number; intervalMs: number } | null;
  ticks: {
    seen: number;
    exactlyOnce: number;
    missed: number[];
    twice: Array<{ tick: number; ranOn: string[] }>;
    cutOff: number | null;
  };
  overlaps: {
    total: number;
    twoRunsOfOneTick: number;
    inOneLock: number;
    sections: number;
    locks: number;
    fenceRegressions: number;
    strayEnds: number;
  };
  takeover: {
    victim: string;
    victimWhere: string;
    cutOffTick: number | null;
    taker: string | null;
    takerTick: number | null;
    ms: number | null;
  } | null;
  traffic: {
    sections: number;
    waited: number;
    waitP50Ms: number | null;
    waitP99Ms: number | null;
    handoffsAcross: number;
    errors: number;
  };
  runLog: {
    inRedis: number;
    matched: number;
    unreportedByVictim: number;
    agrees: boolean;
    mismatches: string[];
  } | null;
  problems: string[];
}

/** Turn the ledger (and the Redis cross-check) into the summary's claims, each checked. */
export function summarize(input: SummaryInput): DemoReport {
  const { ledger, kill } = input;
  const ticks = ledger.ticks;
  const first = ticks[0];
  const last = ticks.at(-1);
  const cutOff = ticks.find((t) => t.cutOff)?.at ?? ledger.takeover?.cutOffTick ?? null;
  const exactlyOnce = ticks.filter((t) => t.ranOn.length === 1).length;
  const overlaps = {
    total: ledger.twice.length + ledger.overlaps.length,
    twoRunsOfOneTick: ledger.twice.length,
    inOneLock: ledger.overlaps.length,
    sections: ledger.sections,
    locks: ledger.locks,
    fenceRegressions: ledger.fenceRegressions.length,
    strayEnds: ledger.strayEnds.length,
  };
  const takeover =
    ledger.takeover && kill
      ? {
          victim: kill.replica,
          victimWhere: kill.where,
          cutOffTick: ledger.takeover.cutOffTick ?? null,
          taker: ledger.takeover.taker ?? null,
          takerTick: ledger.takeover.takerTick ?? null,
          ms: ledger.takeover.ms ?? null,
        }
      : null;
  const sorted = [...input.traffic.waitedMs].sort((a, b) => a - b);
  const traffic = {
    sections: ledger.trafficSections,
    waited: input.traffic.waited,
    waitP50Ms: percentile(sorted, 0.5),
    waitP99Ms: percentile(sorted, 0.99),
    handoffsAcross: ledger.handoffsAcross,
    errors: input.traffic.errors,
  };
  const runLog = input.redis
    ? {
        inRedis: input.redis.crossCheck.inRedis,
        matched: input.redis.crossCheck.matched,
        unreportedByVictim: input.redis.crossCheck.unreportedByVictim,
        agrees: sameVerdict(ledger, input.redis.ledger),
        mismatches: input.redis.crossCheck.mismatches.slice(0, 10),
      }
    : null;
  const problems = [...input.problems];
  if (traffic.errors > 0) problems.push(`${traffic.errors} @Locked charge call(s) failed`);

  const checks: Check[] = [
    {
      label: 'ticks seen',
      ok: ticks.length > 0 && ticks.every((t) => t.ranOn.length + t.skippedBy.length > 0),
      value: String(ticks.length),
      detail:
        first && last
          ? `every second from ${clock(first.at)} to ${clock(last.at)}`
          : 'no tick fell inside the window (run longer: DEMO_SECONDS)',
    },
    {
      label: 'ticks run exactly once',
      ok: ticks.length > 0 && ledger.missed.length === 0 && ledger.twice.length === 0,
      value: `${exactlyOnce} of ${ticks.length}`,
      detail: [
        ledger.missed.length ? `never run: ${ledger.missed.map(clock).join(', ')}` : '',
        ledger.twice.length
          ? `run twice: ${ledger.twice.map((t) => `${clock(t.tick)} on ${t.ranOn.join('+')}`).join(', ')}`
          : '',
        cutOff !== null
          ? `${clock(cutOff)} was cut off by the kill and not run again (at most once per tick)`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
    },
    {
      label: 'overlaps',
      ok: overlaps.total === 0 && overlaps.fenceRegressions === 0 && overlaps.strayEnds === 0,
      value: String(overlaps.total),
      detail:
        `two runs of one tick: ${overlaps.twoRunsOfOneTick}; two inside one lock at once: ${overlaps.inOneLock} ` +
        `in ${overlaps.sections} sections under ${overlaps.locks} locks; fences ` +
        (overlaps.fenceRegressions === 0
          ? 'rise under every lock'
          : `went down ${overlaps.fenceRegressions} time(s)`) +
        (overlaps.strayEnds ? `; ${overlaps.strayEnds} end record(s) without their start` : ''),
    },
    {
      label: 'takeover',
      ok: !!takeover && takeover.cutOffTick !== null && !!takeover.taker && takeover.ms !== null,
      value: takeover?.ms != null ? seconds(takeover.ms) : 'none',
      detail: !takeover
        ? 'no replica was killed'
        : `${takeover.victim} ended (${kill?.how}) ` +
          (takeover.cutOffTick !== null
            ? `while running tick ${clock(takeover.cutOffTick)}`
            : 'but it was not running the job') +
          (takeover.taker && takeover.takerTick !== null
            ? `; ${takeover.taker} ran the next tick, ${clock(takeover.takerTick)}`
            : '; no other replica ran the job afterwards'),
    },
  ];
  if (runLog) {
    checks.push({
      label: 'Redis run log',
      ok: runLog.mismatches.length === 0 && runLog.agrees,
      value:
        runLog.mismatches.length === 0 ? 'matches' : `${runLog.mismatches.length} mismatch(es)`,
      detail:
        `${runLog.inRedis} records; the ${runLog.matched} reported ones are there, in place` +
        (runLog.unreportedByVictim
          ? `, plus ${runLog.unreportedByVictim} the killed replica wrote before it could report`
          : '') +
        (runLog.agrees
          ? '; read on its own it gives the same verdict'
          : '; read on its own it gives ANOTHER verdict'),
    });
  }
  checks.push({
    label: 'replicas',
    ok: problems.length === 0,
    value: problems.length === 0 ? 'no errors' : `${problems.length} problem(s)`,
    detail:
      problems.length === 0
        ? 'no error logged, no crash, no failed call'
        : problems.slice(0, 5).join('; '),
  });

  return {
    backend: input.backend,
    passed: checks.every((c) => c.ok),
    checks,
    window: first && last ? { first: first.at, last: last.at, intervalMs: input.intervalMs } : null,
    ticks: { seen: ticks.length, exactlyOnce, missed: ledger.missed, twice: ledger.twice, cutOff },
    overlaps,
    takeover,
    traffic,
    runLog,
    problems,
  };
}

/** Whether two readings of the run log reach the same conclusions. */
function sameVerdict(a: Ledger, b: Ledger): boolean {
  const key = (l: Ledger) =>
    JSON.stringify([
      l.ticks.map((t) => [t.at, [...t.ranOn].sort(), t.cutOff]),
      l.twice.length,
      l.overlaps.length,
      l.fenceRegressions.length,
      l.strayEnds.length,
      l.takeover?.taker,
    ]);
  return key(a) === key(b);
}

function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** `HH:MM:SS` of an epoch-ms time, local. */
export function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

/** `0.59 s` */
export function seconds(ms: number): string {
  return `${(ms / 1_000).toFixed(2)} s`;
}
