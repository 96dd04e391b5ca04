/**
 * 4. Re-acquire after a crashed holder's expiry. A holder process takes the key (ttl 300 ms, not
 * renewed) and is SIGKILLed while a waiter process is already waiting for it. The key's expiry is
 * read from Redis (PEXPIRETIME: the server's wall clock, in ms); the waiter stamps its
 * acquisition on the same wall clock (calibrated against Date.now() to well under 0.1 ms). The
 * sample is the time from expiry to acquisition; the row is the median over rounds.
 */
import type { LockSpec } from '../contender';
import { nowNs } from '../harness/stats';
import type { WorkerHandle } from '../harness/workers';
import type { MeasureContext, RoundResult, Scenario } from './scenario';

const KEY = 'crash';
/** A sample the machine was too slow to set up (see `sample`) is taken again, this often. */
const ATTEMPTS = 3;

/** Maps hrtime readings taken a moment ago to wall-clock ms (fractional). */
function wallClock(): (readingNs: bigint) => number {
  // Date.now() ticks once per ms: the tick happened between the last two readings of a busy
  // loop, so the hrtime reading just before the changed value brackets it. A descheduled process
  // widens the bracket; of several tries, the narrowest bracket places the tick best.
  let best: { tick: number; tickNs: bigint; widthNs: bigint } | undefined;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const before = Date.now();
    let lastNs = nowNs();
    let tick = Date.now();
    let tickNs = nowNs();
    while (tick === before) {
      lastNs = tickNs;
      tick = Date.now();
      tickNs = nowNs();
    }
    const widthNs = tickNs - lastNs;
    if (!best || widthNs < best.widthNs) best = { tick, tickNs: lastNs, widthNs };
  }
  const { tick, tickNs } = best!;
  return (readingNs) => tick - Number(tickNs - readingNs) / 1e6;
}

/** One crash, or why it does not count: the holder's key was gone before its expiry was read, or
 * the waiter only started after the expiry (both mean the host stalled for longer than the ttl). */
async function sample(
  { start, redis }: MeasureContext,
  ttl: number,
): Promise<{ reacquireMs: number } | { invalid: string }> {
  const workers: WorkerHandle[] = [];
  try {
    const waiter = start('waiter', { ttl });
    const holder = start('holder', { ttl });
    workers.push(waiter, holder);
    await waiter.receive('ready');
    const { storageKey } = (await holder.receive('held')) as unknown as { storageKey: string };
    const expiresAt = Number(await redis.admin.call('PEXPIRETIME', storageKey));
    if (expiresAt < 0) return { invalid: `${storageKey} expired before its expiry was read` };
    waiter.send({ type: 'wait' });
    await holder.kill('SIGKILL');
    const { waitingSinceMs, acquiredAtMs } = (await waiter.result()) as {
      waitingSinceMs: number;
      acquiredAtMs: number;
    };
    // Redis treats a key as expired once its ms clock is past the expiry: from expiresAt + 1.
    const expiredAt = expiresAt + 1;
    if (waitingSinceMs >= expiredAt) return { invalid: 'the waiter started after the expiry' };
    return { reacquireMs: acquiredAtMs - expiredAt };
  } finally {
    await Promise.all(workers.map((w) => w.kill()));
  }
}

export const crash: Scenario = {
  id: 'crash',
  number: '4',
  title: "Re-acquire after a crashed holder's expiry",
  metrics: [{ key: 'reacquireMs', label: 'expiry → acquired ms', better: 'lower', digits: 2 }],
  rounds: (quick) => (quick ? 1 : 4),
  async measure(context): Promise<RoundResult> {
    const ttl = context.quick ? 200 : 300;
    const invalid: string[] = [];
    while (invalid.length < ATTEMPTS) {
      const result = await sample(context, ttl);
      if ('invalid' in result) {
        invalid.push(result.invalid);
        continue;
      }
      return { metrics: result, details: { ttl, invalidSamples: invalid } };
    }
    throw new Error(`no valid sample in ${ATTEMPTS} attempts: ${invalid.join('; ')}`);
  },
  roles: {
    async holder({ params, contender, send }) {
      const lock = await contender();
      await lock.acquire(KEY, { ttl: Number(params['ttl']), autoExtend: false });
      send({ type: 'held', storageKey: lock.storageKey(KEY) });
      // Held until the parent kills this process.
      return new Promise(() => setInterval(() => undefined, 60_000));
    },
    async waiter({ params, contender, send, receive }) {
      const spec: LockSpec = { ttl: Number(params['ttl']), autoExtend: false };
      const lock = await contender();
      await (await lock.acquire(`warm:${process.pid}`, spec)).release();
      send({ type: 'ready' });
      await receive('wait');
      const waitingSinceNs = nowNs();
      const held = await lock.acquire(KEY, spec);
      const acquiredNs = nowNs();
      const toWallClock = wallClock();
      await held.release();
      await lock.close();
      return {
        waitingSinceMs: toWallClock(waitingSinceNs),
        acquiredAtMs: toWallClock(acquiredNs),
      };
    },
  },
};
