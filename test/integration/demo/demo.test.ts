import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoReport } from '../../../scripts/demo/summary';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { startRedis, type RedisServer } from '../../support/redis/redis-server';

// The real runner, as `npm run demo` starts it, in a shorter run (DEMO_SECONDS): three replicas
// of examples/nestjs-app, the mid-run kill, the summary and the exit code. Its JSON report
// (DEMO_REPORT_FILE) says what the summary claimed; stdout is what a CI log shows.

const ROOT = join(__dirname, '../../..');
const MAIN = join(ROOT, 'scripts/demo/main.ts');
const SECONDS = '8';

interface DemoOutcome {
  code: number | null;
  output: string;
  report: DemoReport;
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'lockwarden-demo-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function runDemo(name: string, env: NodeJS.ProcessEnv): Promise<DemoOutcome> {
  const reportFile = join(scratch, `${name}.json`);
  const child = spawn(process.execPath, ['-r', '@swc-node/register', MAIN], {
    cwd: ROOT,
    env: { ...env, DEMO_SECONDS: SECONDS, DEMO_REPORT_FILE: reportFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  let report: DemoReport;
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as DemoReport;
  } catch {
    throw new Error(`the demo wrote no report (exit ${code}):\n${output}`);
  }
  return { code, output, report };
}

/** What both variants must show: every tick once, no overlap, a takeover after a mid-run kill. */
function expectHonestSummary({ code, output, report }: DemoOutcome): void {
  if (code !== 0 || !report.passed) throw new Error(`demo failed (exit ${code}):\n${output}`);
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(report.ticks.seen).toBeGreaterThanOrEqual(5);
  expect(report.ticks.exactlyOnce).toBe(report.ticks.seen);
  expect(report.ticks.missed).toEqual([]);
  expect(report.ticks.twice).toEqual([]);
  expect(report.overlaps).toMatchObject({ total: 0, fenceRegressions: 0, strayEnds: 0 });
  // Real traffic was checked, not an empty log.
  expect(report.overlaps.sections).toBeGreaterThan(50);
  expect(report.traffic.handoffsAcross).toBeGreaterThan(0);
  const takeover = report.takeover!;
  expect(takeover).not.toBeNull();
  expect(['a', 'b', 'c']).toContain(takeover.victim);
  expect(takeover.taker).not.toBe(takeover.victim);
  // Killed mid-run: its run of that tick started and never ended, and the tick was not run again.
  expect(takeover.cutOffTick).toBe(report.ticks.cutOff);
  expect(takeover.takerTick).toBeGreaterThan(takeover.cutOffTick!);
  expect(takeover.ms).toBeGreaterThan(0);
  // A plain log: no colours, no redrawn status line.
  expect(output).not.toContain('\u001b[');
  expect(output).toMatch(/took over: it runs tick \d\d:\d\d:\d\d/);
}

describeWithRedis('npm run demo on Redis (REDIS_URL)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());

  it('3 processes; the one running the job is SIGKILLed mid-run and another takes over; exit 0', async () => {
    const outcome = await runDemo('redis', { ...process.env, REDIS_URL: server.url });
    expectHonestSummary(outcome);
    const { report, output } = outcome;
    expect(report.backend).toBe('redis');
    expect(output).toMatch(/KILL SIGKILL [abc] \(pid \d+\) while it runs tick/);
    expect(output).toContain(`Redis at ${server.url} (REDIS_URL)`);
    expect(output).toContain('Summary: PASS');
    // Cross-checked against Redis's own list, which read alone gives the same verdict.
    expect(report.runLog).toMatchObject({ mismatches: [], agrees: true });
    expect(report.runLog!.matched).toBeGreaterThan(report.overlaps.sections);
    // A Redis the demo does not own keeps no run log of it.
    expect(await server.client().keys('lwdemo-*:runs')).toEqual([]);
  }, 120_000);
});

describe('npm run demo without Redis', () => {
  it('says so plainly and runs the single-process variant on MemoryLockStore, which passes too', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: mkdtempSync(join(scratch, 'bin-')) };
    delete env['REDIS_URL'];
    const outcome = await runDemo('memory', env);
    expectHonestSummary(outcome);
    const { report, output } = outcome;
    expect(report.backend).toBe('memory');
    expect(report.runLog).toBeNull();
    expect(output).toContain('NO REDIS: redis-server is not on PATH, and REDIS_URL is not set.');
    expect(output).toContain('SINGLE-PROCESS variant');
    expect(output).toMatch(/KILL Worker\.terminate\(\) [abc] \(thread \d+\) while it runs tick/);
    expect(output).toContain('Summary (single-process variant, MemoryLockStore): PASS');
  }, 120_000);
});
