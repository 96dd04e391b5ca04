import type { RowResult, ScenarioResult } from '../../../bench/harness/runner';
import { renderChart } from '../../../bench/report/chart';

const row = (contender: string, label: string, reacquireMs: number | null): RowResult => ({
  contender,
  label,
  group: contender === 'floor' ? 'floor' : 'peer',
  rounds: [],
  errors: [],
  metrics: { reacquireMs },
  vsFloor: {},
});

describe('the SVG chart', () => {
  const crash: ScenarioResult = {
    id: 'crash',
    number: '4',
    title: 'crash',
    metrics: [{ key: 'reacquireMs', label: 'ms', better: 'lower', digits: 2 }],
    seconds: 1,
    host: null,
    rows: [row('floor', 'floor', 4), row('a', 'a <&> "b"', 8), row('c', 'never', null)],
  };

  it('draws one bar per measured row, scaled to the largest, with escaped labels', () => {
    const svg = renderChart([crash], 'caption & more');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('caption &amp; more');
    expect(svg).toContain('a &lt;&amp;&gt; &quot;b&quot;');
    expect(svg).not.toContain('never');
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(widths).toHaveLength(2);
    expect(widths[1]! / widths[0]!).toBeCloseTo(2);
    // The floor's reference line.
    expect(svg).toContain('stroke-dasharray');
  });

  it('leaves out panels whose scenario did not run', () => {
    expect(renderChart([], 'empty')).not.toContain('<rect x=');
  });
});
