import type { RunRecord } from '../../examples/nestjs-app/run-log';

/** A run record and its 1-based position in the run log (the order things happened in). */
export interface LoggedRecord {
  position: number;
  record: RunRecord;
}

/** The event the demo appends to the run log once the replica it killed is gone. */
export const KILL_EVENT = 'kill';

/** What the ledger is asked about. */
export interface LedgerInput {
  /** Every record known, in any order; the ledger sorts them by position. */
  records: readonly LoggedRecord[];
  /** Ticks that replicas reported they fired and skipped (display only). */
  skips: ReadonlyArray<{ replica: string; tick: number }>;
  /** The scheduled job's records are `<job>:start` / `<job>:end`. */
  job: string;
  /** The job's schedule interval, ms (ticks are multiples of it). */
  intervalMs: number;
  /** First and last tick (scheduled ms) that must each have run exactly once. */
  window: { first: number; last: number };
  /** The replica the demo SIGKILLed, and when. */
  kill?: { replica: string; at: number };
}

/** One scheduled tick in the window. */
export interface TickOutcome {
  at: number;
  /** Replicas that started a run of it (exactly one when all is well). */
  ranOn: string[];
  /** Replicas that fired it and skipped it. */
  skippedBy: string[];
  /** Its run started on the replica that was killed and never ended. */
  cutOff: boolean;
}

/** Two sections under one lock at once. */
export interface Overlap {
  lock: string;
  /** Who was inside. */
  inside: string;
  /** Who entered while it was. */
  entered: string;
  position: number;
}

/** The hand-over from the killed replica to the next one to run the job. */
export interface Takeover {
  victim: string;
  /** The tick the victim was running when it died, if it was running one. */
  cutOffTick: number | undefined;
  taker: string | undefined;
  takerTick: number | undefined;
  /** From the kill to the taker's run start, ms. */
  ms: number | undefined;
}

/** A lock the killed replica held when it died, and who entered it next. */
export interface DeadHold {
  lock: string;
  fence: number | undefined;
  next: { replica: string; afterKillMs: number | undefined } | undefined;
}

/** Per second (epoch second) of the `@Locked` traffic: sections started, hand-offs between replicas. */
export interface SecondOfTraffic {
  sections: number;
  handoffsAcross: number;
}

export interface Ledger {
  ticks: TickOutcome[];
  /** Window ticks nobody ran. */
  missed: number[];
  /** Any tick (in the window or not) run more than once. */
  twice: Array<{ tick: number; ranOn: string[] }>;
  overlaps: Overlap[];
  /** A section whose fence is not above the previous section's under the same lock. */
  fenceRegressions: Array<{ lock: string; fence: number; previous: number; position: number }>;
  /** An end record that does not close the section open under its lock (an inconsistent log). */
  strayEnds: number[];
  /** Sections checked, and under how many distinct locks. */
  sections: number;
  locks: number;
  /** Traffic sections that followed another replica's section under the same lock. */
  handoffsAcross: number;
  trafficSections: number;
  perSecond: Map<number, SecondOfTraffic>;
  takeover: Takeover | undefined;
  deadHolds: DeadHold[];
}

/**
 * Reads the run log in its own order (no clocks involved): ticks and their runs, sections under
 * each lock and whether any two overlapped, fences, and what happened around the kill. A section
 * is what a replica logged between `<kind>:start` and `<kind>:end` under one lock; once the kill
 * marker is in the log, the killed replica's open sections no longer count as inside (it is dead),
 * so the next holder entering after its lock lapsed is not an overlap.
 */
export function readLedger(input: LedgerInput): Ledger {
  const records = [...input.records].sort((a, b) => a.position - b.position);
  const jobStart = `${input.job}:start`;
  const open = new Map<string, LoggedRecord>();
  const lastFence = new Map<string, number>();
  const lastHolder = new Map<string, string>();
  const dead = new Set<string>();
  const deadHolds = new Map<string, DeadHold>();
  const runs = new Map<number, LoggedRecord[]>();
  const ledger: Ledger = {
    ticks: [],
    missed: [],
    twice: [],
    overlaps: [],
    fenceRegressions: [],
    strayEnds: [],
    sections: 0,
    locks: 0,
    handoffsAcross: 0,
    trafficSections: 0,
    perSecond: new Map(),
    takeover: undefined,
    deadHolds: [],
  };
  let killPosition: number | undefined;
  let cutOff: LoggedRecord | undefined;

  for (const logged of records) {
    const { record, position } = logged;
    if (record.event === KILL_EVENT) {
      dead.add(record.replica);
      killPosition ??= position;
      for (const [lock, inside] of open) {
        if (inside.record.replica !== record.replica) continue;
        if (inside.record.event === jobStart) cutOff = inside;
        else deadHolds.set(lock, { lock, fence: inside.record.fence, next: undefined });
      }
      continue;
    }
    const [kind, phase] = splitEvent(record.event);
    if (phase !== 'start' && phase !== 'end') continue;
    const lock = record.lock ?? kind;
    const inside = open.get(lock);
    if (phase === 'end') {
      if (inside?.record.replica === record.replica && inside.record.fence === record.fence) {
        open.delete(lock);
      } else {
        ledger.strayEnds.push(position);
      }
      continue;
    }

    ledger.sections += 1;
    if (inside && !dead.has(inside.record.replica)) {
      ledger.overlaps.push({
        lock,
        inside: inside.record.replica,
        entered: record.replica,
        position,
      });
    }
    const hold = deadHolds.get(lock);
    if (hold && !hold.next) {
      const afterKillMs = input.kill ? record.at - input.kill.at : undefined;
      hold.next = { replica: record.replica, afterKillMs };
    }
    const previous = lastFence.get(lock);
    if (record.fence !== undefined) {
      if (previous !== undefined && record.fence <= previous) {
        ledger.fenceRegressions.push({ lock, fence: record.fence, previous, position });
      }
      lastFence.set(lock, record.fence);
    }
    open.set(lock, logged);

    if (record.event === jobStart) {
      const tick = tickOf(record, input.intervalMs);
      runs.set(tick, [...(runs.get(tick) ?? []), logged]);
      if (
        killPosition !== undefined &&
        !ledger.takeover?.taker &&
        record.replica !== input.kill?.replica
      ) {
        ledger.takeover = {
          victim: input.kill?.replica ?? '?',
          cutOffTick: cutOff ? tickOf(cutOff.record, input.intervalMs) : undefined,
          taker: record.replica,
          takerTick: tick,
          ms: input.kill ? record.at - input.kill.at : undefined,
        };
      }
    } else {
      ledger.trafficSections += 1;
      const second = Math.floor(record.at / 1_000);
      const counts = ledger.perSecond.get(second) ?? { sections: 0, handoffsAcross: 0 };
      counts.sections += 1;
      const holder = lastHolder.get(lock);
      if (holder !== undefined && holder !== record.replica) {
        ledger.handoffsAcross += 1;
        counts.handoffsAcross += 1;
      }
      ledger.perSecond.set(second, counts);
    }
    lastHolder.set(lock, record.replica);
  }

  if (killPosition !== undefined && !ledger.takeover) {
    ledger.takeover = {
      victim: input.kill?.replica ?? '?',
      cutOffTick: cutOff ? tickOf(cutOff.record, input.intervalMs) : undefined,
      taker: undefined,
      takerTick: undefined,
      ms: undefined,
    };
  }
  ledger.locks = lastFence.size;
  ledger.deadHolds = [...deadHolds.values()];

  const skippedBy = new Map<number, Set<string>>();
  for (const { replica, tick } of input.skips) {
    skippedBy.set(tick, (skippedBy.get(tick) ?? new Set()).add(replica));
  }
  for (let at = input.window.first; at <= input.window.last; at += input.intervalMs) {
    const started = runs.get(at) ?? [];
    ledger.ticks.push({
      at,
      ranOn: started.map((r) => r.record.replica),
      skippedBy: [...(skippedBy.get(at) ?? [])].sort(),
      cutOff: started.some((r) => r === cutOff),
    });
    if (started.length === 0) ledger.missed.push(at);
  }
  for (const [tick, started] of [...runs].sort(([a], [b]) => a - b)) {
    if (started.length > 1)
      ledger.twice.push({ tick, ranOn: started.map((r) => r.record.replica) });
  }
  return ledger;
}

/**
 * The tick a run belongs to: the scheduled time nearest to the one its run lock names (with
 * `overlap: 'allow'` the run lock is `<job>:run:<scheduled ms>`), else nearest to its start.
 * Rounding what the lock names changes nothing when the library names ticks right, and shows a
 * library that names them wrong as several runs of one tick rather than as ticks nobody ran.
 */
export function tickOf(record: RunRecord, intervalMs: number): number {
  const named = /:run:(\d+)$/.exec(record.lock ?? '');
  const at = named ? Number(named[1]) : record.at;
  return Math.round(at / intervalMs) * intervalMs;
}

function splitEvent(event: string): [string, string] {
  const at = event.lastIndexOf(':');
  return at < 0 ? [event, ''] : [event.slice(0, at), event.slice(at + 1)];
}
