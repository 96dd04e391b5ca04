import type { RunRecord } from '../../examples/nestjs-app/run-log';
import type { LoggedRecord } from './ledger';

/** How the records the replicas reported compare with the run log Redis kept. */
export interface CrossCheck {
  /** Records in Redis's list. */
  inRedis: number;
  /** Reported records found at their position in Redis, identical. */
  matched: number;
  /** Records only in Redis, written by the killed replica before it could report them. */
  unreportedByVictim: number;
  /** Anything else: a reported record missing or different in Redis, or an unexplained extra. */
  mismatches: string[];
  /** Redis's list as records, with their positions (for a second, independent reading). */
  redisRecords: LoggedRecord[];
}

/**
 * Compare, position by position, what the replicas reported (each record with the position its
 * RPUSH returned) with the list itself. Only the killed replica may have records the demo never
 * heard about: it can die between its RPUSH and its report.
 */
export function crossCheckRunLog(
  reported: readonly LoggedRecord[],
  redisList: readonly string[],
  victim: string | undefined,
): CrossCheck {
  const result: CrossCheck = {
    inRedis: redisList.length,
    matched: 0,
    unreportedByVictim: 0,
    mismatches: [],
    redisRecords: [],
  };
  const byPosition = new Map(reported.map((r) => [r.position, r.record]));
  for (const { position, record } of reported) {
    const stored = redisList[position - 1];
    if (stored === JSON.stringify(record)) result.matched += 1;
    else
      result.mismatches.push(
        `position ${position}: reported ${JSON.stringify(record)}, Redis has ${stored ?? 'nothing'}`,
      );
  }
  redisList.forEach((line, index) => {
    const position = index + 1;
    let record: RunRecord;
    try {
      record = JSON.parse(line) as RunRecord;
    } catch {
      result.mismatches.push(`position ${position}: not JSON: ${line}`);
      return;
    }
    result.redisRecords.push({ position, record });
    if (byPosition.has(position)) return;
    if (record.replica === victim) result.unreportedByVictim += 1;
    else result.mismatches.push(`position ${position}: never reported: ${line}`);
  });
  return result;
}
