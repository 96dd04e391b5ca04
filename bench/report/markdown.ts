/**
 * The README's "Performance" section of a run (written to latest.md beside latest.json, to be
 * pasted into README.md): chart, targets, machine and versions, the command, and every table.
 */
import type { HostLoad, MachineInfo } from '../harness/host';
import type { ScenarioResult } from '../harness/runner';
import { formatNumber } from './format';
import { renderMarkdown, scenarioTable, targetTable } from './tables';
import type { TargetResult } from './targets';

export interface BenchRun {
  date: string;
  command: string;
  quick: boolean;
  seconds: number;
  machine: MachineInfo;
  /** CPU steal and how busy the host was over the whole run. */
  host: HostLoad | null;
  scenarios: ScenarioResult[];
  targets: TargetResult[];
}

export function renderReadmeSection(run: BenchRun, chartPath: string): string {
  const m = run.machine;
  const met = run.targets.filter((t) => t.met === true).length;
  const measured = run.targets.filter((t) => t.met !== null).length;
  const host = run.host
    ? ` While it ran the host was ${formatNumber(run.host.busyPct, 0)} % busy (all cores, this bench included) with ${formatNumber(run.host.stealPct, 1)} % CPU steal.`
    : '';
  return [
    `![npm run bench: lockwarden next to a raw-Redis floor and its peers](${chartPath})`,
    '',
    `${met} of ${measured} targets met in this run (${run.date.slice(0, 10)}, \`${run.command}\`, ${formatNumber(run.seconds / 60, 1)} min).`,
    '',
    renderMarkdown(targetTable(run.targets), '###'),
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}. Node ${m.node}, Redis ${m.redis} on loopback, lockwarden ${m.lockwarden}; ${Object.entries(
      m.packages,
    )
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}.${host}`,
    '',
    'Reproduce with `npm run bench` (it starts its own `redis-server`; see [bench/README.md](bench/README.md) for what each number means).',
    '',
    '<details><summary>Every table of this run</summary>',
    '',
    ...run.scenarios.flatMap((s) => [renderMarkdown(scenarioTable(s)), '']),
    '</details>',
    '',
  ].join('\n');
}
