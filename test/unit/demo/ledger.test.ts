import type { RunRecord } from '../../../examples/nestjs-app/run-log';
import { KILL_EVENT, readLedger, tickOf, type LoggedRecord } from '../../../scripts/demo/ledger';

const T = Date.parse('2030-01-01T10:00:00.000Z');
const run = (tick: number) => `example.heartbeat:run:${tick}`;

/** A run log written in the order given: position = index + 1. */
function log(...records: Array<Partial<RunRecord> & Pick<RunRecord, 'replica' | 'event'>>) {
  return records.map((record, i): LoggedRecord => ({
    position: i + 1,
    record: { at: T, ...record },
  }));
}

const beat = (replica: string, tick: number, fence: number): LoggedRecord['record'][] => [
  { replica, event: 'heartbeat:start', lock: run(tick), fence, at: tick + 5 },
  { replica, event: 'heartbeat:end', lock: run(tick), fence, at: tick + 405 },
];
const charge = (replica: string, invoice: string, fence: number, at = T) =>
  [
    { replica, event: 'charge:start', lock: `invoice:${invoice}`, fence, at },
    { replica, event: 'charge:end', lock: `invoice:${invoice}`, fence, at: at + 50 },
  ] as const;

const read = (records: LoggedRecord[], extra: Partial<Parameters<typeof readLedger>[0]> = {}) =>
  readLedger({
    records,
    skips: [],
    job: 'heartbeat',
    intervalMs: 1_000,
    window: { first: T, last: T + 2_000 },
    ...extra,
  });

describe('demo ledger: reading the run log in its own order', () => {
  it('a clean log: every tick once, no overlap, hand-offs between replicas counted', () => {
    const records = log(
      ...beat('a', T, 1),
      ...charge('a', 'inv-1', 10),
      ...charge('b', 'inv-1', 11),
      ...charge('b', 'inv-1', 12),
      ...beat('b', T + 1_000, 2),
      ...charge('c', 'inv-1', 13),
      ...beat('c', T + 2_000, 3),
    );
    const ledger = read(records, { skips: [{ replica: 'b', tick: T }] });
    expect(ledger.ticks.map((t) => [t.at, t.ranOn, t.skippedBy])).toEqual([
      [T, ['a'], ['b']],
      [T + 1_000, ['b'], []],
      [T + 2_000, ['c'], []],
    ]);
    expect(ledger.missed).toEqual([]);
    expect(ledger.twice).toEqual([]);
    expect(ledger.overlaps).toEqual([]);
    expect(ledger.fenceRegressions).toEqual([]);
    expect(ledger.strayEnds).toEqual([]);
    expect(ledger.sections).toBe(7);
    expect(ledger.locks).toBe(4);
    expect(ledger.trafficSections).toBe(4);
    // a -> b (across), b -> b (same replica), b -> c (across)
    expect(ledger.handoffsAcross).toBe(2);
    expect(ledger.takeover).toBeUndefined();
  });

  it('reports two replicas inside one lock at once, by the log order alone', () => {
    const records = log(
      { replica: 'a', event: 'charge:start', lock: 'invoice:inv-1', fence: 10 },
      { replica: 'b', event: 'charge:start', lock: 'invoice:inv-1', fence: 11 },
      { replica: 'a', event: 'charge:end', lock: 'invoice:inv-1', fence: 10 },
    );
    const ledger = read(records);
    expect(ledger.overlaps).toEqual([
      { lock: 'invoice:inv-1', inside: 'a', entered: 'b', position: 2 },
    ]);
    // a's end no longer closes the section open under the lock (b's): the log is inconsistent.
    expect(ledger.strayEnds).toEqual([3]);
  });

  it('two callers of one replica inside one lock are an overlap too', () => {
    const records = log(
      { replica: 'a', event: 'charge:start', lock: 'invoice:inv-1', fence: 10 },
      { replica: 'a', event: 'charge:start', lock: 'invoice:inv-1', fence: 11 },
    );
    expect(read(records).overlaps).toHaveLength(1);
  });

  it('reports a tick run twice even when the runs did not overlap, and a tick nobody ran', () => {
    const records = log(...beat('a', T, 1), ...beat('b', T, 2), ...beat('c', T + 2_000, 3));
    const ledger = read(records);
    expect(ledger.twice).toEqual([{ tick: T, ranOn: ['a', 'b'] }]);
    expect(ledger.missed).toEqual([T + 1_000]);
    expect(ledger.overlaps).toEqual([]);
  });

  it('reports fences that do not rise under one lock', () => {
    const records = log(
      ...charge('a', 'inv-1', 20),
      ...charge('b', 'inv-1', 20),
      ...charge('c', 'inv-1', 7),
    );
    expect(read(records).fenceRegressions.map((r) => [r.fence, r.previous])).toEqual([
      [20, 20],
      [7, 20],
    ]);
  });

  describe('around a kill', () => {
    const killAt = T + 1_010;
    const victimRun = [
      ...beat('a', T, 1),
      { replica: 'b', event: 'charge:start', lock: 'invoice:inv-1', fence: 10, at: T + 900 },
      { replica: 'b', event: 'heartbeat:start', lock: run(T + 1_000), fence: 2, at: T + 1_005 },
    ] satisfies Array<LoggedRecord['record']>;

    it('the killed replica stops being inside once the kill is logged: the takeover and the lapse are no overlap', () => {
      const records = log(
        ...victimRun,
        { replica: 'b', event: KILL_EVENT, at: killAt + 3 },
        { replica: 'c', event: 'heartbeat:start', lock: run(T + 2_000), fence: 3, at: T + 2_004 },
        {
          replica: 'a',
          event: 'charge:start',
          lock: 'invoice:inv-1',
          fence: 11,
          at: killAt + 2_990,
        },
        { replica: 'c', event: 'heartbeat:end', lock: run(T + 2_000), fence: 3, at: T + 2_404 },
        { replica: 'a', event: 'charge:end', lock: 'invoice:inv-1', fence: 11, at: killAt + 3_040 },
      );
      const ledger = read(records, { kill: { replica: 'b', at: killAt } });
      expect(ledger.overlaps).toEqual([]);
      expect(ledger.ticks.map((t) => [t.ranOn, t.cutOff])).toEqual([
        [['a'], false],
        [['b'], true],
        [['c'], false],
      ]);
      expect(ledger.takeover).toEqual({
        victim: 'b',
        cutOffTick: T + 1_000,
        taker: 'c',
        takerTick: T + 2_000,
        ms: T + 2_004 - killAt,
      });
      expect(ledger.deadHolds).toEqual([
        { lock: 'invoice:inv-1', fence: 10, next: { replica: 'a', afterKillMs: 2_990 } },
      ]);
    });

    it('entering the killed replica’s lock before the kill is logged is an overlap', () => {
      const records = log(
        ...victimRun,
        { replica: 'a', event: 'charge:start', lock: 'invoice:inv-1', fence: 11, at: killAt - 1 },
        { replica: 'b', event: KILL_EVENT, at: killAt + 3 },
      );
      const ledger = read(records, { kill: { replica: 'b', at: killAt } });
      expect(ledger.overlaps).toEqual([
        { lock: 'invoice:inv-1', inside: 'b', entered: 'a', position: 5 },
      ]);
    });

    it('no takeover when nobody runs the job after the kill; no cut-off when the victim was idle', () => {
      const records = log(...beat('a', T, 1), ...beat('b', T + 1_000, 2), {
        replica: 'b',
        event: KILL_EVENT,
        at: killAt,
      });
      const ledger = read(records, { kill: { replica: 'b', at: killAt } });
      expect(ledger.takeover).toEqual({
        victim: 'b',
        cutOffTick: undefined,
        taker: undefined,
        takerTick: undefined,
        ms: undefined,
      });
      expect(ledger.missed).toEqual([T + 2_000]);
    });
  });

  it('names a run’s tick by its run lock, else by the nearest scheduled time', () => {
    expect(
      tickOf({ replica: 'a', event: 'heartbeat:start', at: T + 4_700, lock: run(T) }, 1_000),
    ).toBe(T);
    // A lock named after the firing time, not the scheduled one, still counts for its tick.
    expect(tickOf({ replica: 'a', event: 'heartbeat:start', at: T, lock: run(T + 7) }, 1_000)).toBe(
      T,
    );
    expect(tickOf({ replica: 'a', event: 'heartbeat:start', at: T + 4_400 }, 1_000)).toBe(
      T + 4_000,
    );
    expect(
      tickOf({ replica: 'a', event: 'heartbeat:start', at: T + 4_600, lock: 'x' }, 1_000),
    ).toBe(T + 5_000);
  });
});
