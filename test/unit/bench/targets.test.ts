import { CLIENT_KINDS } from '../../../bench/clients';
import type { ClientKind } from '../../../bench/clients/client-kind';
import type { ContenderGroup } from '../../../bench/contender';
import { median } from '../../../bench/harness/stats';
import type { RowResult, ScenarioResult } from '../../../bench/harness/runner';
import { evaluateTargets } from '../../../bench/report/targets';
import type { MetricSpec, Metrics } from '../../../bench/scenarios/scenario';

function row(contender: string, group: ContenderGroup, rounds: Metrics[]): RowResult {
  const keys = Object.keys(rounds[0] ?? {});
  return {
    contender,
    label: contender,
    group,
    rounds: rounds.map((metrics) => ({ metrics })),
    errors: [],
    metrics: Object.fromEntries(keys.map((k) => [k, median(rounds.map((r) => r[k] ?? null))])),
    vsFloor: {},
  };
}

function scenario(id: string, metrics: MetricSpec[], rows: RowResult[]): ScenarioResult {
  return { id, number: '?', title: id, metrics, seconds: 1, host: null, rows };
}

const ioredis = CLIENT_KINDS[0]!;
const byId = (targets: ReturnType<typeof evaluateTargets>, id: string, contender = 'lockwarden') =>
  targets.find((t) => t.id === id && t.contender === contender)!;

describe('targets of issue 9', () => {
  it('compares with the floor round by round, not median against median', () => {
    const p50 = { key: 'p50Us', label: 'p50', better: 'lower', digits: 0, vsFloor: true } as const;
    const results = [
      scenario(
        'sequential',
        [p50],
        [
          row('floor', 'floor', [{ p50Us: 100 }, { p50Us: 400 }]),
          row('lockwarden', 'lockwarden', [{ p50Us: 200 }, { p50Us: 400 }]),
        ],
      ),
    ];
    const target = byId(evaluateTargets(results, [ioredis]), 's1-p50');
    // Per-round ratios 2 and 1 → 1.5; the medians alone (300 / 250) would say 1.2.
    expect(target.value).toBe(1.5);
    expect(target.met).toBe(false);
    expect(target.measured).toBe('300 vs 250 floor = 1.50×');
  });

  it('shows a ratio that rounds to the limit with one more digit, so the verdict reads right', () => {
    const p50 = { key: 'p50Us', label: 'p50', better: 'lower', digits: 0, vsFloor: true } as const;
    const at = (own: number) =>
      byId(
        evaluateTargets(
          [
            scenario(
              'sequential',
              [p50],
              [
                row('floor', 'floor', [{ p50Us: 500 }]),
                row('lockwarden', 'lockwarden', [{ p50Us: own }]),
              ],
            ),
          ],
          [ioredis],
        ),
        's1-p50',
      );
    expect(at(552)).toMatchObject({ met: false, measured: '552 vs 500 floor = 1.104×' });
    expect(at(548)).toMatchObject({ met: true, measured: '548 vs 500 floor = 1.096×' });
    expect(at(600).measured).toBe('600 vs 500 floor = 1.20×');
  });

  it('sets sections/s against the best peer by the metric direction, and fair against default', () => {
    const cs = { key: 'csPerSec', label: 'cs/s', better: 'higher', digits: 0 } as const;
    const maxMin = { key: 'maxMin', label: 'max:min', better: 'lower', digits: 2 } as const;
    const results = [
      scenario(
        'hot-key',
        [cs, maxMin],
        [
          row('redlock4', 'peer', [{ csPerSec: 500, maxMin: 9 }]),
          row('redis-semaphore', 'peer', [{ csPerSec: 600, maxMin: 2 }]),
          row('no-lock', 'sanity', [{ csPerSec: 9_000, maxMin: 1 }]),
          row('lockwarden', 'lockwarden', [{ csPerSec: 780, maxMin: 3 }]),
          row('lockwarden-fair', 'lockwarden', [{ csPerSec: 700, maxMin: 1.2 }]),
        ],
      ),
    ];
    const targets = evaluateTargets(results, [ioredis]);
    const best = byId(targets, 's3-cs');
    expect(best.measured).toContain('redis-semaphore');
    expect(best.value).toBeCloseTo(1.3);
    expect(best.met).toBe(true);
    const fair = byId(targets, 's3-fair-cs', 'lockwarden-fair');
    expect(fair.value).toBeCloseTo(700 / 780);
    expect(fair.met).toBe(false);
    expect(byId(targets, 's3-fair-maxmin', 'lockwarden-fair').met).toBe(true);
  });

  it('says "not measured" for what did not run, and evaluates each client kind', () => {
    const other = { ...ioredis, name: 'other' } as ClientKind<unknown>;
    const targets = evaluateTargets([], [ioredis, other]);
    expect(targets.every((t) => t.met === null && t.measured === 'not measured')).toBe(true);
    expect(new Set(targets.map((t) => t.contender))).toEqual(
      new Set([
        'lockwarden',
        'lockwarden-fair',
        'lockwarden-locked',
        'lockwarden@other',
        'lockwarden-fair@other',
        'lockwarden-locked@other',
      ]),
    );
  });

  it('shows the grant relay beside the hot-key targets, without changing the verdict', () => {
    const metric = (key: string, better: 'higher' | 'lower') =>
      ({ key, label: key, better, digits: 2 }) as const;
    const hot = (rows: RowResult[]) =>
      evaluateTargets(
        [
          scenario(
            'hot-key',
            [
              metric('csPerSec', 'higher'),
              metric('handoffP50Ms', 'lower'),
              metric('handoffP99Ms', 'lower'),
            ],
            rows,
          ),
        ],
        [ioredis],
      );
    const lockwarden = row('lockwarden', 'lockwarden', [
      { csPerSec: 600, handoffP50Ms: 0.6, handoffP99Ms: 4 },
    ]);
    const peer = row('redlock5', 'peer', [{ csPerSec: 610, handoffP50Ms: 0.8, handoffP99Ms: 2.2 }]);
    const relay = row('relay', 'calibration', [
      { csPerSec: 550, handoffP50Ms: 0.57, handoffP99Ms: 2.5 },
    ]);

    const withRelay = hot([lockwarden, peer, relay]);
    expect(byId(withRelay, 's3-p50').measured).toBe('0.60 (grant relay: 0.57)');
    expect(byId(withRelay, 's3-p99').measured).toBe('4.00 (grant relay: 2.50)');
    expect(byId(withRelay, 's3-cs').measured).toBe(
      '600.00 vs 610.00 redlock5 = 0.98× (grant relay: 550.00)',
    );
    // The calibration row is neither the best peer nor part of any verdict.
    const without = hot([lockwarden, peer]);
    for (const id of ['s3-p50', 's3-p99', 's3-cs']) {
      expect(byId(withRelay, id).met).toBe(false);
      expect(byId(without, id).met).toBe(false);
      expect(byId(without, id).measured).not.toContain('relay');
    }
  });
});
