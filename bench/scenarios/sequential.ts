/**
 * 1. Sequential uncontended acquire + release on one key, one at a time: latency per pair
 * (p50, p99) and the client CPU it costs (process.cpuUsage over the loop, divided by the pairs).
 */
import type { LockSpec } from '../contender';
import { cpuMicros, nowNs, percentile } from '../harness/stats';
import type { Scenario } from './scenario';

const SPEC: LockSpec = { ttl: 10_000 };

export const sequential: Scenario = {
  id: 'sequential',
  number: '1',
  title: 'Sequential uncontended acquire + release',
  metrics: [
    { key: 'p50Us', label: 'p50 µs', better: 'lower', digits: 0, vsFloor: true },
    { key: 'p99Us', label: 'p99 µs', better: 'lower', digits: 0 },
    { key: 'cpuUs', label: 'client CPU µs/op', better: 'lower', digits: 0, vsFloor: true },
    { key: 'commands', label: 'commands/op', better: 'lower', digits: 2 },
  ],
  rounds: (quick) => (quick ? 2 : 3),
  async measure({ start, quick }) {
    // Measured in steady state: after 300 pairs V8 was still optimizing the larger code paths
    // (lockwarden's, not the floor's), which read as up to 2× the steady p50 and 4× its CPU.
    const worker = start('run', { warmUp: quick ? 300 : 3_000, ops: quick ? 400 : 1_500 });
    const { metrics } = (await worker.result()) as { metrics: Record<string, number | null> };
    return { metrics };
  },
  roles: {
    async run({ params, contender, counter }) {
      const warmUp = Number(params['warmUp']);
      const ops = Number(params['ops']);
      const lock = await contender();
      for (let i = 0; i < warmUp; i += 1) await (await lock.acquire('seq', SPEC)).release();
      const latencies: number[] = [];
      const cpuBefore = cpuMicros();
      const commandsBefore = counter.total;
      for (let i = 0; i < ops; i += 1) {
        const startedAt = nowNs();
        await (await lock.acquire('seq', SPEC)).release();
        latencies.push(Number(nowNs() - startedAt) / 1e3);
      }
      const metrics = {
        p50Us: percentile(latencies, 50),
        p99Us: percentile(latencies, 99),
        cpuUs: (cpuMicros() - cpuBefore) / ops,
        commands: (counter.total - commandsBefore) / ops,
      };
      await lock.close();
      return { metrics };
    },
  },
};
