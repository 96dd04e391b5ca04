import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { topologyArgument } from '../../support/workers/store-topology';
import { forkWorker } from '../../support/workers/worker-process';

describeWithRedis('multi-key locks across forked processes (real redis-server)', () => {
  const redis = useRedisServer();

  it("['p','q'] and ['q','p'] in a loop (engine and @Locked, with ['p'] and ['q'] lockers): no deadlock, exact counts", async () => {
    const sections = 40;
    const counterPrefix = 'mkp:count';
    await redis.raw.del(`${counterPrefix}:p`, `${counterPrefix}:q`);
    const plan: Array<[keys: string[], mode: string]> = [
      [['p', 'q'], 'engine'],
      [['q', 'p'], 'engine'],
      [['q', 'p', 'q'], 'decorator'],
      [['p'], 'engine'],
      [['q'], 'engine'],
    ];
    const workers = plan.map(([keys, mode], i) =>
      forkWorker('multi-key-loop.ts', [
        topologyArgument({ kind: 'server', url: redis.url }),
        `w${i}`,
        String(sections),
        JSON.stringify(keys),
        counterPrefix,
        mode,
      ]),
    );
    // Five processes start (compile, connect) at once; on a loaded machine that takes a while.
    await Promise.all(workers.map((w) => w.next('ready', 60_000)));
    for (const w of workers) w.send({ type: 'go' });
    // A deadlock shows as a worker failing with LockTimeoutError (waitTimeout 20 s) or no 'done'.
    const done = await Promise.all(workers.map((w) => w.next('done', 50_000)));
    expect(done.map((m) => m['sections'])).toEqual(Array(plan.length).fill(sections));

    const takesP = plan.filter(([keys]) => keys.includes('p')).length;
    const takesQ = plan.filter(([keys]) => keys.includes('q')).length;
    expect(await redis.raw.get(`${counterPrefix}:p`)).toBe(String(takesP * sections));
    expect(await redis.raw.get(`${counterPrefix}:q`)).toBe(String(takesQ * sections));
    expect(await redis.raw.exists('lw:{p}', 'lw:{q}')).toBe(0);
  }, 150_000);
});
