/**
 * 5. 10 000 locks held at once, each auto-extended by the contender's own mechanism. Measured in
 * one worker: time to take them (64 at a time), heap and RSS growth per lock after two forced GCs
 * (`--expose-gc`), then the commands per second spent keeping them alive over a quiet window.
 * The parent then checks in Redis how many are still held (a lock whose renewals fell behind has
 * expired).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Held, LockSpec } from '../contender';
import { nowNs } from '../harness/stats';
import type { Scenario } from './scenario';

const CONCURRENCY = 64;
const EXISTS_CHUNK = 1_000;

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the held-locks scenario needs a worker started with --expose-gc');
  gc();
  gc();
}

/** Run `task(i)` for i in 0..count-1, `CONCURRENCY` at a time. */
async function eachConcurrently(count: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

export const held: Scenario = {
  id: 'held',
  number: '5',
  title: '10 000 held auto-extended locks',
  metrics: [
    { key: 'heapPerLock', label: 'heap B/lock', better: 'lower', digits: 0, vsFloor: true },
    { key: 'rssPerLock', label: 'RSS B/lock', better: 'lower', digits: 0, vsFloor: true },
    { key: 'renewalsPerSec', label: 'renewal cmds/s', better: 'lower', digits: 0, vsFloor: true },
    { key: 'takeSeconds', label: 'take all s', better: 'lower', digits: 2, vsFloor: true },
    { key: 'lost', label: 'lost', better: 'lower', digits: 0 },
  ],
  rounds: (quick) => (quick ? 1 : 2),
  async measure({ start, redis, quick }) {
    const count = quick ? 2_000 : 10_000;
    // Renewal periods of the peers (ttl / 3, 0.8 × ttl, ttl − 500 ms) all fit in one window of
    // one ttl. At ttl / 3 = 1 s the first renewals usually come after all locks are taken, so
    // the time to take them is not mixed with renewal traffic (on a busy host it can be).
    const ttl = quick ? 1_500 : 3_000;
    const worker = start('hold', { count, ttl, windowMs: ttl });
    try {
      const measured = await worker.receive('measured');
      const keys = measured['storageKeys'] as string[];
      let stillHeld = 0;
      for (let i = 0; i < keys.length; i += EXISTS_CHUNK) {
        stillHeld += await redis.admin.exists(...keys.slice(i, i + EXISTS_CHUNK));
      }
      worker.send({ type: 'release' });
      const { metrics } = (await worker.result()) as { metrics: Record<string, number> };
      return { metrics: { ...metrics, lost: count - stillHeld }, details: { count, ttl } };
    } finally {
      await worker.kill();
    }
  },
  roles: {
    async hold({ params, contender, counter, send, receive }) {
      const count = Number(params['count']);
      const spec: LockSpec = { ttl: Number(params['ttl']), autoExtend: true };
      const lock = await contender();
      await (await lock.acquire('warm', spec)).release();
      // The harness's own per-lock data exists before the baseline, so it is not counted.
      const keys = Array.from({ length: count }, (_, i) => `held:${i}`);
      const locks = new Array<Held | undefined>(count).fill(undefined);
      collectGarbage();
      const before = process.memoryUsage();
      const startedAt = nowNs();
      await eachConcurrently(count, async (i) => {
        locks[i] = await lock.acquire(keys[i]!, spec);
      });
      const takeSeconds = Number(nowNs() - startedAt) / 1e9;
      collectGarbage();
      const after = process.memoryUsage();
      const commandsBefore = counter.total;
      const windowMs = Number(params['windowMs']);
      await sleep(windowMs);
      const renewalsPerSec = (counter.total - commandsBefore) / (windowMs / 1_000);
      send({ type: 'measured', storageKeys: keys.map((key) => lock.storageKey(key)) });
      await receive('release');
      await eachConcurrently(count, async (i) => {
        await locks[i]!.release().catch(() => undefined);
      });
      await lock.close();
      return {
        metrics: {
          heapPerLock: (after.heapUsed - before.heapUsed) / count,
          rssPerLock: (after.rss - before.rss) / count,
          renewalsPerSec,
          takeSeconds,
        },
      };
    },
  },
};
