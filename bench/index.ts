/**
 * `npm run bench`: lockwarden next to a raw-Redis floor and the libraries users would otherwise
 * pick, in one interleaved run on a redis-server of its own. Prints every table and the targets
 * of issue 9, and writes latest.json, latest.svg and latest.md to bench/results/.
 * See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { BenchUsageError, parseCli, USAGE } from './cli';
import { LOCK_SCENARIOS } from './contender';
import { compileForWorkers } from './harness/compile';
import { hostLoad, machineInfo, readCpuTimes } from './harness/host';
import { startBenchRedis } from './harness/redis-server';
import { runScenario, type ScenarioResult } from './harness/runner';
import { nowNs } from './harness/stats';
import { forkCompiledWorkers } from './harness/workers';
import { renderChart } from './report/chart';
import { renderReadmeSection, type BenchRun } from './report/markdown';
import { renderText, scenarioTable, targetTable } from './report/tables';
import { evaluateTargets } from './report/targets';

const ROOT = join(__dirname, '..');
const RESULTS = join(__dirname, 'results');

const log = (line: string): void => void process.stderr.write(`${line}\n`);

// JSON has no Infinity (a starved waiter makes max:min infinite).
const jsonReplacer = (_key: string, value: unknown): unknown =>
  value === Number.POSITIVE_INFINITY ? 'Infinity' : value;

/** Written the way the repository's Prettier wants it, so the committed results pass its check. */
async function writeFormatted(path: string, text: string): Promise<void> {
  const config = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(text, { ...config, filepath: path }));
}

async function main(): Promise<void> {
  const options = parseCli(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const startedAt = nowNs();
  const cpuBefore = readCpuTimes();
  const compiled = compileForWorkers();
  forkCompiledWorkers(compiled);
  const redis = await startBenchRedis();
  const results: ScenarioResult[] = [];
  let machine;
  try {
    machine = machineInfo(redis.version, [
      ...new Set(options.contenders.flatMap((c) => c.packages)),
    ]);
    log(
      `bench: redis-server ${redis.version} (pid ${redis.pid}) at ${redis.url}; ${machine.cores} cores; ` +
        `${options.contenders.length} contenders; ${options.quick ? 'quick' : 'full'} run`,
    );
    for (const scenario of options.scenarios) {
      const definitions = options.contenders.filter((c) =>
        (c.scenarios ?? LOCK_SCENARIOS).includes(scenario.id),
      );
      if (definitions.length === 0) {
        log(`  ${scenario.number} ${scenario.id}: no selected contender takes part, skipped`);
        continue;
      }
      const result = await runScenario(scenario, definitions, redis, options.quick, log);
      results.push(result);
      console.log(`\n${renderText(scenarioTable(result))}`);
    }
  } finally {
    await redis.stop();
    compiled.remove();
  }

  const targets = evaluateTargets(results, options.kinds);
  console.log(`\n${renderText(targetTable(targets))}\n`);
  const run: BenchRun = {
    date: new Date().toISOString(),
    command: [
      'npm run bench',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    quick: options.quick,
    seconds: Number(nowNs() - startedAt) / 1e9,
    machine,
    host: hostLoad(cpuBefore, readCpuTimes()),
    scenarios: results,
    targets,
  };

  const out = options.out ?? join(RESULTS, options.complete ? 'latest.json' : 'partial.json');
  const base = out.replace(/\.json$/, '');
  mkdirSync(dirname(out), { recursive: true });
  await writeFormatted(out, JSON.stringify(run, jsonReplacer));
  const chart = `${base}.svg`;
  const caption = `npm run bench · ${run.date.slice(0, 10)} · ${machine.cores} cores · Node ${machine.node} · Redis ${machine.redis}${run.quick ? ' · quick' : ''}`;
  writeFileSync(chart, renderChart(results, caption));
  await writeFormatted(`${base}.md`, renderReadmeSection(run, relative(ROOT, chart)));
  log(
    `bench: ${(run.seconds / 60).toFixed(1)} min; wrote ${[out, chart, `${base}.md`].map((p) => relative(process.cwd(), p)).join(', ')}`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof BenchUsageError) {
    console.error(`bench: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  console.error(error);
  process.exitCode = 1;
});
