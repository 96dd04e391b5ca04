import type { RunRecord } from '../../../examples/nestjs-app/run-log';
import { KILL_EVENT, readLedger, type LoggedRecord } from '../../../scripts/demo/ledger';
import { crossCheckRunLog } from '../../../scripts/demo/run-log-cross-check';
import { summarize, type SummaryInput } from '../../../scripts/demo/summary';

const T = Date.parse('2030-01-01T10:00:00.000Z');
const run = (tick: number) => `example.heartbeat:run:${tick}`;
const killAt = T + 1_010;
const kill = { replica: 'b', where: 'pid 42', how: 'SIGKILL', at: killAt };

const RECORDS: RunRecord[] = [
  { replica: 'a', event: 'heartbeat:start', lock: run(T), fence: 1, at: T + 5 },
  { replica: 'a', event: 'heartbeat:end', lock: run(T), fence: 1, at: T + 405 },
  { replica: 'b', event: 'heartbeat:start', lock: run(T + 1_000), fence: 2, at: T + 1_005 },
  { replica: 'b', event: KILL_EVENT, at: killAt + 2 },
  { replica: 'c', event: 'heartbeat:start', lock: run(T + 2_000), fence: 3, at: T + 2_004 },
  { replica: 'c', event: 'heartbeat:end', lock: run(T + 2_000), fence: 3, at: T + 2_404 },
];
const logged = (records: RunRecord[]): LoggedRecord[] =>
  records.map((record, i) => ({ position: i + 1, record }));

function input(records = RECORDS, extra: Partial<SummaryInput> = {}): SummaryInput {
  const ledger = readLedger({
    records: logged(records),
    skips: [],
    job: 'heartbeat',
    intervalMs: 1_000,
    window: { first: T, last: T + 2_000 },
    kill,
  });
  return {
    backend: 'redis',
    intervalMs: 1_000,
    ledger,
    traffic: { waited: 3, waitedMs: [10, 20, 30], errors: 0 },
    kill,
    problems: [],
    ...extra,
  };
}

const failing = (report: ReturnType<typeof summarize>) =>
  report.checks.filter((c) => !c.ok).map((c) => c.label);

describe('demo summary: each claim is checked', () => {
  it('passes when every tick ran once, nothing overlapped and another replica took over', () => {
    const report = summarize(input());
    expect(failing(report)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.ticks).toMatchObject({ seen: 3, exactlyOnce: 3, cutOff: T + 1_000 });
    expect(report.takeover).toMatchObject({ victim: 'b', taker: 'c', ms: T + 2_004 - killAt });
    expect(report.traffic).toMatchObject({ waited: 3, waitP50Ms: 20, waitP99Ms: 30 });
  });

  it('fails "ticks run exactly once" for a tick run twice or not at all', () => {
    const twice = [...RECORDS, { ...RECORDS[4]!, replica: 'a', fence: 4 }];
    expect(failing(summarize(input(twice)))).toEqual(['ticks run exactly once', 'overlaps']);
    const missing = RECORDS.filter((r) => r.replica !== 'c');
    expect(failing(summarize(input(missing)))).toContain('ticks run exactly once');
  });

  it('fails "takeover" when the killed replica was not running the job, or nobody took over', () => {
    const idle = RECORDS.filter((r) => r.replica !== 'b' || r.event === KILL_EVENT);
    // Tick T+1000 was then neither run nor skipped by anyone: not even seen.
    expect(failing(summarize(input(idle)))).toEqual([
      'ticks seen',
      'ticks run exactly once',
      'takeover',
    ]);
    const nobody = RECORDS.filter((r) => r.replica !== 'c');
    expect(failing(summarize(input(nobody)))).toContain('takeover');
    expect(failing(summarize(input(RECORDS, { kill: undefined })))).toEqual(['takeover']);
  });

  it('fails "replicas" on a crash, an error log or a failed call', () => {
    expect(failing(summarize(input(RECORDS, { problems: ['a crashed: boom'] })))).toEqual([
      'replicas',
    ]);
    const report = summarize(input(RECORDS, { traffic: { waited: 0, waitedMs: [], errors: 2 } }));
    expect(failing(report)).toEqual(['replicas']);
    expect(report.problems).toEqual(['2 @Locked charge call(s) failed']);
  });

  it('fails "Redis run log" when Redis disagrees with what was reported', () => {
    const reported = logged(RECORDS);
    const redisList = RECORDS.map((r) => JSON.stringify(r));
    const agreeing = crossCheckRunLog(reported, redisList, 'b');
    const base = input();
    const same = summarize({ ...base, redis: { crossCheck: agreeing, ledger: base.ledger } });
    expect(failing(same)).toEqual([]);
    expect(same.runLog).toMatchObject({ inRedis: 6, matched: 6, agrees: true, mismatches: [] });

    const altered = [...redisList];
    altered[4] = JSON.stringify({ ...RECORDS[4], replica: 'a' });
    const different = crossCheckRunLog(reported, altered, 'b');
    expect(
      failing(summarize({ ...base, redis: { crossCheck: different, ledger: base.ledger } })),
    ).toEqual(['Redis run log']);

    const otherVerdict = input(RECORDS.filter((r) => r.replica !== 'c')).ledger;
    expect(
      failing(summarize({ ...base, redis: { crossCheck: agreeing, ledger: otherVerdict } })),
    ).toEqual(['Redis run log']);
  });
});

describe('demo run-log cross-check', () => {
  const reported = logged(RECORDS);
  const redisList = RECORDS.map((r) => JSON.stringify(r));

  it('matches record for record, position for position', () => {
    expect(crossCheckRunLog(reported, redisList, 'b')).toMatchObject({
      inRedis: 6,
      matched: 6,
      unreportedByVictim: 0,
      mismatches: [],
    });
  });

  it('allows records only the killed replica wrote (it died before reporting them), nothing else', () => {
    const extra = JSON.stringify({ replica: 'b', event: 'charge:start', at: killAt });
    expect(crossCheckRunLog(reported, [...redisList, extra], 'b')).toMatchObject({
      unreportedByVictim: 1,
      mismatches: [],
    });
    expect(crossCheckRunLog(reported, [...redisList, extra], 'c').mismatches).toEqual([
      `position 7: never reported: ${extra}`,
    ]);
  });

  it('reports a record missing from Redis or different there', () => {
    expect(crossCheckRunLog(reported, redisList.slice(0, 5), 'b').mismatches).toEqual([
      `position 6: reported ${redisList[5]}, Redis has nothing`,
    ]);
    const swapped = [redisList[1]!, redisList[0]!, ...redisList.slice(2)];
    expect(crossCheckRunLog(reported, swapped, 'b').mismatches).toHaveLength(2);
  });
});
