/**
 * The targets of issue 9, as data: which lockwarden row, which metric, compared to what. A ratio
 * is always the interleaved one (median over rounds of the per-round ratio).
 */
import type { ClientKind } from '../clients/client-kind';
import { lockwardenId } from '../contenders/lockwarden';
import type { ScenarioId } from '../contender';
import { FLOOR_ID, pairedRatio, type RowResult, type ScenarioResult } from '../harness/runner';
import { formatNumber, formatRatio } from './format';

type Mode = 'default' | 'fair' | 'locked';

/** What the measured value is set against. */
type Reference = 'none' | 'floor' | 'best-peer' | 'default-mode';

interface TargetSpec {
  id: string;
  scenario: ScenarioId;
  mode: Mode;
  metric: string;
  reference: Reference;
  at: 'most' | 'least';
  limit: number;
  /** The target as the issue states it. */
  text: string;
  /**
   * A calibration row whose value of the metric is shown beside the measured one, never part of
   * the verdict: what bounds the target on this host.
   */
  context?: { row: string; label: string };
}

export const TARGETS: readonly TargetSpec[] = [
  t('s1-p50', 'sequential', 'p50Us', 'floor', 'most', 1.1, 'p50 ≤ 1.10 × floor'),
  t('s1-cpu', 'sequential', 'cpuUs', 'floor', 'most', 1.2, 'client CPU ≤ 1.20 × floor'),
  t('s1-trips', 'sequential', 'commands', 'none', 'most', 2, '2 round trips (commands per op)'),
  t('s2-ops', 'throughput', 'opsPerSec', 'floor', 'least', 0.9, 'ops/s ≥ 0.90 × floor'),
  {
    ...t('s3-cs', 'hot-key', 'csPerSec', 'best-peer', 'least', 1.2, 'sections/s ≥ 1.2 × best peer'),
    context: { row: 'relay', label: 'grant relay' },
  },
  {
    ...t('s3-p50', 'hot-key', 'handoffP50Ms', 'none', 'most', 0.5, 'hand-off p50 ≤ 0.5 ms'),
    context: { row: 'relay', label: 'grant relay' },
  },
  {
    ...t('s3-p99', 'hot-key', 'handoffP99Ms', 'none', 'most', 2, 'hand-off p99 ≤ 2 ms'),
    context: { row: 'relay', label: 'grant relay' },
  },
  t('s3-cmds', 'hot-key', 'commandsPerCs', 'none', 'most', 3, '≤ 3 commands per section'),
  t('s3-overlaps', 'hot-key', 'overlaps', 'none', 'most', 0, '0 overlaps'),
  {
    ...t(
      's3-fair-maxmin',
      'hot-key',
      'maxMin',
      'none',
      'most',
      1.5,
      'fair: max:min per loop ≤ 1.5',
    ),
    mode: 'fair',
  },
  {
    ...t(
      's3-fair-cs',
      'hot-key',
      'csPerSec',
      'default-mode',
      'least',
      0.9,
      'fair: sections/s ≥ 0.9 × default mode',
    ),
    mode: 'fair',
  },
  t('s4', 'crash', 'reacquireMs', 'none', 'most', 2, 're-acquire ≤ 2 ms after expiry (median)'),
  t('s5-heap', 'held', 'heapPerLock', 'none', 'most', 400, '≤ 400 heap bytes per lock'),
  t('s5-rss', 'held', 'rssPerLock', 'floor', 'most', 1.2, 'RSS per lock ≤ 1.2 × floor'),
  t(
    's5-renewals',
    'held',
    'renewalsPerSec',
    'floor',
    'most',
    0.1,
    'renewal commands/s ≤ 0.1 × floor',
  ),
  t('s5-take', 'held', 'takeSeconds', 'floor', 'most', 1.2, 'taking 10 000 locks ≤ 1.2 × floor'),
  {
    ...t(
      'decorator',
      'decorator',
      'redisOverheadPct',
      'none',
      'most',
      3,
      '@Locked over withLock on Redis ≤ 3 %',
    ),
    mode: 'locked',
  },
  t(
    'engine',
    'engine',
    'engineCpuUs',
    'none',
    'most',
    15,
    'engine CPU per acquire+release < 15 µs',
  ),
];

function t(
  id: string,
  scenario: ScenarioId,
  metric: string,
  reference: Reference,
  at: 'most' | 'least',
  limit: number,
  text: string,
): TargetSpec {
  return { id, scenario, mode: 'default', metric, reference, at, limit, text };
}

export interface TargetResult {
  id: string;
  scenario: ScenarioId;
  contender: string;
  text: string;
  /** The number compared with `limit` (a ratio where there is a reference). */
  value: number | null;
  limit: number;
  /** Readable: the row's value, the reference's and the ratio. */
  measured: string;
  /** `null`: not measured in this run. */
  met: boolean | null;
}

function bestPeer(result: ScenarioResult, metric: string): RowResult | undefined {
  const better = result.metrics.find((m) => m.key === metric)?.better ?? 'lower';
  const peers = result.rows.filter((r) => r.group === 'peer' && r.metrics[metric] != null);
  return peers.sort((a, b) =>
    better === 'higher'
      ? b.metrics[metric]! - a.metrics[metric]!
      : a.metrics[metric]! - b.metrics[metric]!,
  )[0];
}

function evaluate(
  spec: TargetSpec,
  results: readonly ScenarioResult[],
  kind: ClientKind<unknown>,
): TargetResult {
  const contender = lockwardenId(spec.mode, kind);
  const base = {
    id: spec.id,
    scenario: spec.scenario,
    contender,
    text: spec.text,
    limit: spec.limit,
  };
  const result = results.find((r) => r.id === spec.scenario);
  const row = result?.rows.find((r) => r.contender === contender);
  const own = row?.metrics[spec.metric];
  if (!result || !row || own === null || own === undefined) {
    return { ...base, value: null, measured: 'not measured', met: null };
  }
  const digits = result.metrics.find((m) => m.key === spec.metric)?.digits ?? 2;
  const show = (value: number | null | undefined): string => formatNumber(value, digits);
  let value = own;
  let measured = show(own);
  if (spec.reference !== 'none') {
    const reference =
      spec.reference === 'floor'
        ? result.rows.find((r) => r.contender === FLOOR_ID)
        : spec.reference === 'best-peer'
          ? bestPeer(result, spec.metric)
          : result.rows.find((r) => r.contender === lockwardenId('default', kind));
    const paired = reference ? pairedRatio(row, reference, spec.metric) : null;
    if (!reference || paired === null) {
      return {
        ...base,
        value: null,
        measured: `${show(own)} (no ${spec.reference} row)`,
        met: null,
      };
    }
    value = paired;
    // A ratio that rounds to the limit gets one more digit, so the verdict can be read off it.
    const ratio =
      formatNumber(value, 2) === formatNumber(spec.limit, 2)
        ? `${formatNumber(value, 3)}×`
        : formatRatio(value);
    measured = `${show(own)} vs ${show(reference.metrics[spec.metric])} ${reference.contender} = ${ratio}`;
  }
  const met = spec.at === 'most' ? value <= spec.limit : value >= spec.limit;
  const { row: calibration, label } = spec.context ?? {};
  const other = result.rows.find((r) => r.contender === calibration)?.metrics[spec.metric];
  if (other !== null && other !== undefined) measured += ` (${label}: ${show(other)})`;
  return { ...base, value, measured, met };
}

/** Every target for lockwarden over each client kind measured. */
export function evaluateTargets(
  results: readonly ScenarioResult[],
  kinds: ReadonlyArray<ClientKind<unknown>>,
): TargetResult[] {
  return kinds.flatMap((kind) => TARGETS.map((spec) => evaluate(spec, results, kind)));
}
