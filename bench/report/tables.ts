/**
 * The result tables, built once as rows of text and rendered for the terminal (aligned columns)
 * or for Markdown (README, latest.md).
 */
import type { ScenarioResult } from '../harness/runner';
import { formatNumber, formatRatio } from './format';
import type { TargetResult } from './targets';

export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  /** Leading columns that hold text (left-aligned); the rest are numbers. */
  textColumns: number;
  /** Lines under the table (settings, failures, host load). */
  notes: string[];
}

export function scenarioTable(result: ScenarioResult): Table {
  const notes: string[] = [];
  for (const row of result.rows) {
    if (row.note) notes.push(`${row.label}: ${row.note}`);
    for (const error of row.errors) notes.push(`${row.label} failed: ${error}`);
  }
  if (result.host) {
    notes.push(
      `host during this scenario: ${formatNumber(result.host.busyPct, 0)} % busy, CPU steal ${formatNumber(result.host.stealPct, 1)} %`,
    );
  }
  return {
    title: `${result.number}. ${result.title}`,
    textColumns: 1,
    header: [
      'contender',
      ...result.metrics.map((m) => (m.vsFloor ? `${m.label} (× floor)` : m.label)),
    ],
    rows: result.rows.map((row) => [
      row.label,
      ...result.metrics.map((m) => {
        const value = formatNumber(row.metrics[m.key], m.digits);
        const ratio = m.vsFloor ? formatRatio(row.vsFloor[m.key]) : '';
        return ratio ? `${value} (${ratio})` : value;
      }),
    ]),
    notes,
  };
}

export function targetTable(targets: readonly TargetResult[]): Table {
  const measured = targets.filter((t) => t.met !== null);
  const missing = targets.length - measured.length;
  return {
    title: 'Targets of issue 9',
    textColumns: 4,
    header: ['target', 'row', 'measured', 'result'],
    rows: measured.map((t) => [t.text, t.contender, t.measured, t.met ? 'met' : 'NOT MET']),
    notes:
      missing > 0
        ? [
            `${missing} of ${targets.length} targets not measured: their scenario or row was not in this run`,
          ]
        : [],
  };
}

export function renderText(table: Table): string {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, c) => Math.max(...all.map((r) => [...(r[c] ?? '')].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) =>
        c < table.textColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!),
      )
      .join('  ')
      .trimEnd();
  return [
    `## ${table.title}`,
    '',
    line(table.header),
    ...table.rows.map(line),
    ...(table.notes.length > 0 ? ['', ...table.notes.map((n) => `  ${n}`)] : []),
  ].join('\n');
}

export function renderMarkdown(table: Table, heading = '####'): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const line = (cells: string[]): string => `| ${cells.map(escape).join(' | ')} |`;
  return [
    `${heading} ${table.title}`,
    '',
    line(table.header),
    line(table.header.map((_, c) => (c < table.textColumns ? '---' : '---:'))),
    ...table.rows.map(line),
    ...(table.notes.length > 0 ? ['', ...table.notes.map((n) => `- ${n}`)] : []),
  ].join('\n');
}
