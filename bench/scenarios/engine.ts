/**
 * B. The engine's own CPU cost: acquire + release through `LockEngine` on a `MemoryLockStore`
 * (no Redis, no network), next to the same store called directly; the difference is what the
 * engine adds per lock (tokens, options, leases, renewal bookkeeping, events).
 */
import { LockEngine, MemoryLockStore } from '../../src';
import { cpuMicros } from '../harness/stats';
import type { Scenario } from './scenario';
import { quietLogger } from '../harness/quiet-logger';

export const engineCost: Scenario = {
  id: 'engine',
  number: 'B',
  title: 'Engine CPU per acquire + release, MemoryLockStore (no Redis)',
  metrics: [
    { key: 'engineCpuUs', label: 'engine µs/op', better: 'lower', digits: 1 },
    { key: 'storeCpuUs', label: 'store alone µs/op', better: 'lower', digits: 1 },
    { key: 'engineOwnCpuUs', label: 'engine share µs/op', better: 'lower', digits: 1 },
  ],
  rounds: (quick) => (quick ? 1 : 3),
  // Garbage collection on the main thread only. When every worker loaded every client library,
  // V8's parallel scavenges on that heap sometimes put a whole process, on the 2-core VM this was
  // built on, into a state where acquire + release cost 18-21 µs of CPU instead of 3-5 for its
  // whole life (helper threads busy at ~20 % each; pinned to one CPU, or with this flag, never).
  // Workers now load only their own client kind and it did not recur in six runs without the
  // flag; the flag stays as a guard, since the engine's own cost is what this scenario is for.
  workerFlags: ['--single-threaded-gc'],
  async measure({ start, quick }) {
    const worker = start('run', { ops: quick ? 5_000 : 20_000 });
    const { metrics } = (await worker.result()) as { metrics: Record<string, number> };
    return { metrics };
  },
  roles: {
    async run({ params }) {
      const ops = Number(params['ops']);
      const store = new MemoryLockStore();
      const engine = new LockEngine({ store, logger: quietLogger });
      const viaEngine = async (): Promise<void> => {
        const lock = await engine.acquire('bench');
        await lock.release();
      };
      const owner = 'a'.repeat(22);
      const viaStore = async (): Promise<void> => {
        await store.acquire('lw:{bench}', owner, 30_000);
        await store.release('lw:{bench}', owner);
      };
      const cpuPerOp = async (op: () => Promise<void>, n: number): Promise<number> => {
        const before = cpuMicros();
        for (let i = 0; i < n; i += 1) await op();
        return (cpuMicros() - before) / n;
      };
      await cpuPerOp(viaEngine, ops / 4);
      await cpuPerOp(viaStore, ops / 4);
      const engineCpuUs = await cpuPerOp(viaEngine, ops);
      const storeCpuUs = await cpuPerOp(viaStore, ops);
      await engine.close();
      return {
        metrics: { engineCpuUs, storeCpuUs, engineOwnCpuUs: engineCpuUs - storeCpuUs },
      };
    },
  },
};
