import type { ScenarioResult } from '../../../bench/harness/runner';
import {
  renderMarkdown,
  renderText,
  scenarioTable,
  targetTable,
} from '../../../bench/report/tables';

const result: ScenarioResult = {
  id: 'sequential',
  number: '1',
  title: 'Sequential',
  metrics: [
    { key: 'p50Us', label: 'p50 µs', better: 'lower', digits: 0, vsFloor: true },
    { key: 'commands', label: 'commands/op', better: 'lower', digits: 2 },
  ],
  seconds: 1,
  host: { busyPct: 51.2, stealPct: 0.04 },
  rows: [
    {
      contender: 'floor',
      label: 'floor',
      group: 'floor',
      rounds: [],
      errors: [],
      metrics: { p50Us: 1234.4, commands: 2 },
      vsFloor: { p50Us: 1 },
    },
    {
      contender: 'x',
      label: 'a | b',
      group: 'peer',
      note: 'retry 10 ms',
      rounds: [null],
      errors: ['worker 1 exited'],
      metrics: { p50Us: null, commands: null },
      vsFloor: { p50Us: null },
    },
  ],
};

describe('result tables', () => {
  it('prints values with their ratio to the floor, failures and host load', () => {
    const text = renderText(scenarioTable(result));
    expect(text).toContain('1 234 (1.00×)');
    expect(text).toMatch(/a \| b +— +—/);
    expect(text).toContain('a | b: retry 10 ms');
    expect(text).toContain('a | b failed: worker 1 exited');
    expect(text).toContain('host during this scenario: 51 % busy, CPU steal 0.0 %');
  });

  it('escapes Markdown table cells and aligns numbers right', () => {
    const markdown = renderMarkdown(scenarioTable(result));
    expect(markdown).toContain('| a \\| b | — | — |');
    expect(markdown).toContain('| --- | ---: | ---: |');
  });

  it('lists the measured targets and says how many were not', () => {
    const table = targetTable([
      {
        id: 'a',
        scenario: 'sequential',
        contender: 'lockwarden',
        text: 'p50',
        value: 2,
        limit: 1.1,
        measured: '2×',
        met: false,
      },
      {
        id: 'b',
        scenario: 'held',
        contender: 'lockwarden',
        text: 'heap',
        value: null,
        limit: 400,
        measured: 'not measured',
        met: null,
      },
    ]);
    expect(table.rows).toEqual([['p50', 'lockwarden', '2×', 'NOT MET']]);
    expect(table.notes).toEqual([
      '1 of 2 targets not measured: their scenario or row was not in this run',
    ]);
  });
});
