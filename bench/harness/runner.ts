/**
 * Runs a scenario over its contenders, interleaved round by round (and in a rotated order each
 * round) so that drift in machine load hits every contender alike, and sums the rounds up: each
 * metric is the median over rounds, and each ratio to the floor the median of the per-round
 * ratios (both measured minutes, not hours, apart).
 */
import type { ContenderDefinition, ContenderGroup } from '../contender';
import type { MetricSpec, Metrics, RoundResult, Scenario } from '../scenarios/scenario';
import { hostLoad, readCpuTimes, type HostLoad } from './host';
import type { BenchRedis } from './redis-server';
import { median, nowNs, ratio } from './stats';
import { WorkerHandle } from './workers';

export const FLOOR_ID = 'floor';

export interface RowResult {
  contender: string;
  label: string;
  group: ContenderGroup;
  note?: string;
  /** By round; `null` where the measurement failed (see `errors`). */
  rounds: Array<RoundResult | null>;
  errors: string[];
  /** Median over rounds. */
  metrics: Metrics;
  /** Median over rounds of this row's value / the floor's, for metrics marked `vsFloor`. */
  vsFloor: Metrics;
}

export interface ScenarioResult {
  id: string;
  number: string;
  title: string;
  metrics: readonly MetricSpec[];
  seconds: number;
  /** CPU steal and how busy the host was during this scenario. */
  host: HostLoad | null;
  rows: RowResult[];
}

/** Median over rounds of a[r] / b[r] for one metric: the interleaved comparison of two rows. */
export function pairedRatio(a: RowResult, b: RowResult, key: string): number | null {
  return median(a.rounds.map((round, r) => ratio(round?.metrics[key], b.rounds[r]?.metrics[key])));
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = items.length === 0 ? 0 : by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export async function runScenario(
  scenario: Scenario,
  definitions: ReadonlyArray<ContenderDefinition<unknown>>,
  redis: BenchRedis,
  quick: boolean,
  log: (line: string) => void,
): Promise<ScenarioResult> {
  const rounds = scenario.rounds(quick);
  const cpuBefore = readCpuTimes();
  const startedAt = nowNs();
  const byId = new Map<string, RowResult>(
    definitions.map((d) => [
      d.id,
      {
        contender: d.id,
        label: d.label,
        group: d.group,
        ...(d.note ? { note: d.note } : {}),
        rounds: [],
        errors: [],
        metrics: {},
        vsFloor: {},
      },
    ]),
  );
  for (let round = 0; round < rounds; round += 1) {
    for (const definition of rotate(definitions, round)) {
      const row = byId.get(definition.id)!;
      await redis.admin.flushall();
      const began = nowNs();
      try {
        row.rounds[round] = await scenario.measure({
          definition,
          redis,
          quick,
          start: (role, params) =>
            WorkerHandle.start(
              { scenario: scenario.id, role, contender: definition.id, url: redis.url, params },
              scenario.workerFlags,
            ),
        });
        log(
          `  ${scenario.number} ${scenario.id} · round ${round + 1}/${rounds} · ${definition.id} (${(Number(nowNs() - began) / 1e9).toFixed(1)} s)`,
        );
      } catch (error) {
        row.rounds[round] = null;
        const message = error instanceof Error ? error.message : String(error);
        row.errors.push(message);
        log(`  ${scenario.number} ${scenario.id} · ${definition.id} FAILED: ${message}`);
      }
    }
  }
  const rows = [...byId.values()];
  const floor = byId.get(FLOOR_ID);
  for (const row of rows) {
    for (const spec of scenario.metrics) {
      row.metrics[spec.key] = median(row.rounds.map((r) => r?.metrics[spec.key] ?? null));
      if (spec.vsFloor && floor) row.vsFloor[spec.key] = pairedRatio(row, floor, spec.key);
    }
  }
  return {
    id: scenario.id,
    number: scenario.number,
    title: scenario.title,
    metrics: scenario.metrics,
    seconds: Number(nowNs() - startedAt) / 1e9,
    host: hostLoad(cpuBefore, readCpuTimes()),
    rows,
  };
}
