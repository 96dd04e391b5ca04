/**
 * The SVG chart of a run: one small panel per headline metric, one horizontal bar per contender,
 * lockwarden's rows highlighted, a dashed line at the floor's value. Written by hand (no
 * dependency): rects, lines and text only.
 */
import type { ContenderGroup } from '../contender';
import { FLOOR_ID, type ScenarioResult } from '../harness/runner';
import { formatNumber } from './format';

interface Panel {
  scenario: string;
  metric: string;
  title: string;
}

const PANELS: readonly Panel[] = [
  { scenario: 'sequential', metric: 'p50Us', title: '1 · sequential acquire+release p50, µs' },
  { scenario: 'sequential', metric: 'cpuUs', title: '1 · client CPU per acquire+release, µs' },
  { scenario: 'throughput', metric: 'opsPerSec', title: '2 · throughput, 64 loops, ops/s' },
  { scenario: 'hot-key', metric: 'csPerSec', title: '3 · hot key, critical sections/s' },
  { scenario: 'hot-key', metric: 'handoffP50Ms', title: '3 · hand-off to another waiter p50, ms' },
  { scenario: 'hot-key', metric: 'commandsPerCs', title: '3 · commands per critical section' },
  { scenario: 'crash', metric: 'reacquireMs', title: "4 · re-acquire after holder's expiry, ms" },
  { scenario: 'held', metric: 'heapPerLock', title: '5 · heap bytes per held lock' },
];

const COLORS: Record<ContenderGroup, string> = {
  lockwarden: '#e8590c',
  floor: '#343a40',
  calibration: '#adb5bd',
  peer: '#4c6ef5',
  sanity: '#ae3ec9',
};

const PANEL_WIDTH = 490;
const LABEL_WIDTH = 200;
const VALUE_WIDTH = 62;
const BAR_HEIGHT = 13;
const ROW_HEIGHT = 17;
const COLUMNS = 2;
const MARGIN = 16;

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`;
}

function panelSvg(panel: Panel, result: ScenarioResult, x: number, y: number): [string, number] {
  const spec = result.metrics.find((m) => m.key === panel.metric)!;
  const rows = result.rows.filter((r) => r.metrics[panel.metric] !== null);
  const finite = rows.map((r) => r.metrics[panel.metric]!).filter(Number.isFinite);
  const max = Math.max(...finite, Number.MIN_VALUE);
  const barSpace = PANEL_WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const parts = [
    text(x, y + 12, panel.title, 'font-weight="600"'),
    text(
      x + PANEL_WIDTH,
      y + 12,
      `${spec.better ?? 'lower'} is better`,
      'text-anchor="end" fill="#868e96"',
    ),
  ];
  const floor = rows.find((r) => r.contender === FLOOR_ID)?.metrics[panel.metric];
  if (floor !== undefined && floor !== null && Number.isFinite(floor)) {
    // The floor's value as a reference line behind every bar of the panel.
    const at = x + LABEL_WIDTH + (floor / max) * barSpace;
    parts.push(
      `<line x1="${at.toFixed(1)}" x2="${at.toFixed(1)}" y1="${y + 19}" y2="${y + 22 + rows.length * ROW_HEIGHT}" stroke="#adb5bd" stroke-dasharray="2,2"/>`,
    );
  }
  rows.forEach((row, i) => {
    const value = row.metrics[panel.metric]!;
    const top = y + 22 + i * ROW_HEIGHT;
    const width = Number.isFinite(value) ? Math.max(1, (value / max) * barSpace) : barSpace;
    const weight = row.group === 'lockwarden' ? ' font-weight="600"' : '';
    parts.push(
      text(x + LABEL_WIDTH - 6, top + BAR_HEIGHT - 3, row.label, `text-anchor="end"${weight}`),
      `<rect x="${x + LABEL_WIDTH}" y="${top}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[row.group]}"/>`,
      text(
        x + LABEL_WIDTH + width + 4,
        top + BAR_HEIGHT - 3,
        formatNumber(value, spec.digits),
        weight.trim(),
      ),
    );
  });
  return [parts.join('\n'), 22 + rows.length * ROW_HEIGHT];
}

export function renderChart(results: readonly ScenarioResult[], caption: string): string {
  const panels = PANELS.flatMap((panel) => {
    const result = results.find((r) => r.id === panel.scenario);
    return result?.metrics.some((m) => m.key === panel.metric) ? [{ panel, result }] : [];
  });
  const parts: string[] = [];
  let y = MARGIN + 26;
  for (let i = 0; i < panels.length; i += COLUMNS) {
    let rowHeight = 0;
    panels.slice(i, i + COLUMNS).forEach(({ panel, result }, column) => {
      const [svg, height] = panelSvg(panel, result, MARGIN + column * (PANEL_WIDTH + 30), y);
      parts.push(svg);
      rowHeight = Math.max(rowHeight, height);
    });
    y += rowHeight + 18;
  }
  const width = MARGIN * 2 + COLUMNS * PANEL_WIDTH + (COLUMNS - 1) * 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11" fill="#212529">`,
    `<rect width="${width}" height="${y}" fill="#ffffff"/>`,
    text(MARGIN, MARGIN + 8, caption, 'font-size="13" font-weight="600"'),
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
