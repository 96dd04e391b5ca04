/**
 * 2. Throughput: 64 concurrent loops of acquire + release, each on its own key, all through one
 * contender (one connection): completed pairs per second over a fixed window after a warm-up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LockSpec } from '../contender';
import { cpuMicros, nowNs } from '../harness/stats';
import type { Scenario } from './scenario';

const LOOPS = 64;
const SPEC: LockSpec = { ttl: 10_000 };

export const throughput: Scenario = {
  id: 'throughput',
  number: '2',
  title: `Throughput, ${LOOPS} concurrent loops on one connection`,
  metrics: [
    { key: 'opsPerSec', label: 'ops/s', better: 'higher', digits: 0, vsFloor: true },
    { key: 'cpuUs', label: 'client CPU µs/op', better: 'lower', digits: 0 },
    { key: 'commands', label: 'commands/op', better: 'lower', digits: 2 },
  ],
  rounds: (quick) => (quick ? 1 : 3),
  async measure({ start, quick }) {
    // A warm-up long enough for V8 to have optimized every contender's path (steady state).
    const worker = start('run', { warmUpMs: quick ? 200 : 600, durationMs: quick ? 500 : 800 });
    const { metrics } = (await worker.result()) as { metrics: Record<string, number | null> };
    return { metrics };
  },
  roles: {
    async run({ params, contender, counter }) {
      const lock = await contender();
      let done = 0;
      let stop = false;
      const loops = Array.from({ length: LOOPS }, async (_, loop) => {
        const key = `tp:${loop}`;
        while (!stop) {
          await (await lock.acquire(key, SPEC)).release();
          done += 1;
        }
      });
      const running = Promise.all(loops);
      // A failing loop ends the measurement at once instead of after the window.
      const failed = running.then(() => undefined);
      try {
        await Promise.race([sleep(Number(params['warmUpMs'])), failed]);
        const [done0, cpu0, commands0, t0] = [done, cpuMicros(), counter.total, nowNs()];
        await Promise.race([sleep(Number(params['durationMs'])), failed]);
        const seconds = Number(nowNs() - t0) / 1e9;
        const ops = done - done0;
        const metrics = {
          opsPerSec: ops / seconds,
          cpuUs: (cpuMicros() - cpu0) / ops,
          commands: (counter.total - commands0) / ops,
        };
        return { metrics };
      } finally {
        stop = true;
        await running;
        await lock.close();
      }
    },
  },
};
