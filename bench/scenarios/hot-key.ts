/**
 * 3. Hot key: 4 processes × 4 loops take one key, hold it 1 ms (a timer, like I/O), release,
 * repeat. Every section's acquisition and release call are timestamped on the host's monotonic
 * clock; the parent merges them to count sections per second, hand-off latency to a different
 * waiter, overlaps (two holders at once) and sections per waiter (fairness). Commands are counted
 * in each client and cross-checked against INFO commandstats.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LockSpec } from '../contender';
import {
  checkCommandCounts,
  readCommandStats,
  sumCounts,
  type CommandCounts,
} from '../harness/command-stats';
import { nowNs } from '../harness/stats';
import type { WorkerHandle } from '../harness/workers';
import { analyseSections, type Section } from './sections';
import type { Scenario } from './scenario';

const PROCESSES = 4;
const LOOPS = 4;
const HOLD_MS = 1;
const KEY = 'hot';
const SPEC: LockSpec = { ttl: 10_000 };
/** Time for every worker to get the start message before the common start. */
const START_DELAY_NS = 100_000_000n;
/** At most this many error messages per worker are kept. */
const ERRORS_KEPT = 3;

/** [loop, acquiredNs, releasingNs] relative to the common start: compact over IPC. */
type SectionTuple = [number, number, number];

interface LoopsResult {
  sections: SectionTuple[];
  failures: number;
  errors: string[];
  commandsInWindow: number;
  /** CPU time (user + system) this worker process used in the window, µs. */
  cpuUsInWindow: number;
  commandsByName: CommandCounts;
}

export const hotKey: Scenario = {
  id: 'hot-key',
  number: '3',
  title: `Hot key: ${PROCESSES} processes × ${LOOPS} loops, ${HOLD_MS} ms hold`,
  metrics: [
    { key: 'csPerSec', label: 'sections/s', better: 'higher', digits: 0, vsFloor: true },
    { key: 'handoffP50Ms', label: 'hand-off p50 ms', better: 'lower', digits: 2 },
    { key: 'handoffP99Ms', label: 'hand-off p99 ms', better: 'lower', digits: 2 },
    { key: 'holdMeanMs', label: 'hold mean ms', digits: 2 },
    { key: 'ceilingPerSec', label: 'sections/s at 0-ms hand-offs', digits: 0 },
    { key: 'crossProcessPct', label: 'to another process %', digits: 0 },
    { key: 'crossProcessP50Ms', label: 'p50 ms to another process', digits: 2 },
    { key: 'sameProcessP50Ms', label: 'p50 ms within a process', digits: 2 },
    { key: 'crossProcessP99Ms', label: 'p99 ms to another process', digits: 2 },
    { key: 'sameProcessP99Ms', label: 'p99 ms within a process', digits: 2 },
    { key: 'commandsPerCs', label: 'commands/section', better: 'lower', digits: 1 },
    { key: 'cpuMsPerCs', label: 'client CPU ms/section', better: 'lower', digits: 2 },
    { key: 'serverCallsPerCs', label: 'Redis calls/section', better: 'lower', digits: 1 },
    { key: 'overlaps', label: 'overlaps', better: 'lower', digits: 0 },
    { key: 'maxMin', label: 'max:min per loop', better: 'lower', digits: 2 },
    { key: 'failures', label: 'failed acquires', better: 'lower', digits: 0 },
  ],
  rounds: (quick) => (quick ? 1 : 2),
  async measure({ start, redis, quick }) {
    const durationMs = quick ? 1_000 : 1_500;
    const before = await readCommandStats(redis.admin);
    const workers: WorkerHandle[] = [];
    let results: LoopsResult[];
    try {
      for (let p = 0; p < PROCESSES; p += 1) workers.push(start('loops', { durationMs }));
      await Promise.all(workers.map((w) => w.receive('ready')));
      const startAt = nowNs() + START_DELAY_NS;
      for (const w of workers) w.send({ type: 'go', startAt: String(startAt) });
      results = (await Promise.all(workers.map((w) => w.result()))) as unknown as LoopsResult[];
    } finally {
      await Promise.all(workers.map((w) => w.kill()));
    }
    const after = await readCommandStats(redis.admin);

    const sections: Section[] = results.flatMap((r, p) =>
      r.sections.map(([loop, acquiredNs, releasingNs]) => ({
        waiter: `${p}.${loop}`,
        process: p,
        acquiredNs,
        releasingNs,
      })),
    );
    const waiters = results.flatMap((_, p) =>
      Array.from({ length: LOOPS }, (__, loop) => `${p}.${loop}`),
    );
    const analysis = analyseSections(sections, durationMs * 1e6, waiters);
    const check = checkCommandCounts(
      sumCounts(results.map((r) => r.commandsByName)),
      before,
      after,
    );
    const commandsInWindow = results.reduce((n, r) => n + r.commandsInWindow, 0);
    const commandsPerCs = analysis.inWindow > 0 ? commandsInWindow / analysis.inWindow : null;
    const cpuUs = results.reduce((n, r) => n + r.cpuUsInWindow, 0);
    return {
      metrics: {
        csPerSec: analysis.perSecond,
        handoffP50Ms: analysis.handoffP50Ms,
        handoffP99Ms: analysis.handoffP99Ms,
        holdMeanMs: analysis.holdMeanMs,
        ceilingPerSec: analysis.ceilingPerSecond,
        crossProcessPct:
          analysis.crossProcessShare === null ? null : analysis.crossProcessShare * 100,
        crossProcessP50Ms: analysis.crossProcessP50Ms,
        sameProcessP50Ms: analysis.sameProcessP50Ms,
        crossProcessP99Ms: analysis.crossProcessP99Ms,
        sameProcessP99Ms: analysis.sameProcessP99Ms,
        commandsPerCs,
        // What the four processes spent, all of them (two cores are shared with Redis).
        cpuMsPerCs: analysis.inWindow > 0 ? cpuUs / 1000 / analysis.inWindow : null,
        // The server also counts what scripts call inside; scale the window's count by that.
        serverCallsPerCs:
          commandsPerCs !== null && check.client > 0
            ? (commandsPerCs * check.server) / check.client
            : null,
        overlaps: analysis.overlaps,
        maxMin: analysis.maxMin,
        failures: results.reduce((n, r) => n + r.failures, 0),
      },
      details: {
        sections: analysis.inWindow,
        handoffs: analysis.handoffsMs.length,
        starvedLoops: analysis.starvedWaiters,
        perLoop: analysis.perWaiter,
        commandCheck: check,
        errors: results.flatMap((r) => r.errors),
      },
    };
  },
  roles: {
    async loops({ params, contender, counter, send, receive }): Promise<Record<string, unknown>> {
      const durationNs = Number(params['durationMs']) * 1e6;
      const lock = await contender();
      // Connections open and scripts loaded before the clock starts.
      await (await lock.acquire(`warm:${process.pid}`, SPEC)).release();
      send({ type: 'ready' });
      const startAt = BigInt(String((await receive('go'))['startAt']));
      await sleep(Math.max(0, Number(startAt - nowNs()) / 1e6));
      const elapsedNs = (): number => Number(nowNs() - startAt);

      const commandsAtStart = counter.total;
      const cpuAtStart = process.cpuUsage();
      let commandsInWindow: number | undefined;
      let cpuInWindow: NodeJS.CpuUsage | undefined;
      const windowEnd = setTimeout(
        () => {
          commandsInWindow = counter.total - commandsAtStart;
          cpuInWindow = process.cpuUsage(cpuAtStart);
        },
        Math.max(0, (durationNs - elapsedNs()) / 1e6),
      );
      const result: LoopsResult = {
        sections: [],
        failures: 0,
        errors: [],
        commandsInWindow: 0,
        cpuUsInWindow: 0,
        commandsByName: {},
      };
      const fail = (error: unknown): void => {
        result.failures += 1;
        if (result.errors.length < ERRORS_KEPT) result.errors.push(String(error));
      };
      await Promise.all(
        Array.from({ length: LOOPS }, async (_, loop) => {
          while (elapsedNs() < durationNs) {
            let held;
            try {
              held = await lock.acquire(KEY, SPEC);
            } catch (error) {
              fail(error);
              continue;
            }
            const acquiredNs = elapsedNs();
            // After the window, give the lock straight back so the others can finish too.
            if (acquiredNs < durationNs) await sleep(HOLD_MS);
            const releasingNs = elapsedNs();
            try {
              await held.release();
            } catch (error) {
              fail(error);
            }
            result.sections.push([loop, acquiredNs, releasingNs]);
          }
        }),
      );
      clearTimeout(windowEnd);
      result.commandsInWindow = commandsInWindow ?? counter.total - commandsAtStart;
      const cpu = cpuInWindow ?? process.cpuUsage(cpuAtStart);
      result.cpuUsInWindow = cpu.user + cpu.system;
      await lock.close();
      result.commandsByName = counter.byName();
      return result as unknown as Record<string, unknown>;
    },
  },
};
