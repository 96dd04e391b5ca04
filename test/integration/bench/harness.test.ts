/**
 * The bench measures what it claims: counted commands match the algorithm, a contender that takes
 * no lock shows overlaps, a slowed contender shows up, a crashed holder's lock is re-acquired only
 * after it expired. Runs the real harness (forked workers, its own redis-server) in quick mode.
 */
import { CLIENT_KINDS } from '../../../bench/clients';
import { allContenders } from '../../../bench/contenders';
import { compileForWorkers, type CompiledTree } from '../../../bench/harness/compile';
import { startBenchRedis, type BenchRedis } from '../../../bench/harness/redis-server';
import { runScenario, type RowResult } from '../../../bench/harness/runner';
import { forkCompiledWorkers } from '../../../bench/harness/workers';
import { scenarioById } from '../../../bench/scenarios';
import { describeWithRedis } from '../../support/redis/describe-with-redis';

const MINUTE = 60_000;

describeWithRedis('bench harness', () => {
  let redis: BenchRedis | undefined;
  let compiled: CompiledTree | undefined;

  beforeAll(async () => {
    compiled = compileForWorkers();
    forkCompiledWorkers(compiled);
    redis = await startBenchRedis();
  });

  afterAll(async () => {
    await redis?.stop();
    compiled?.remove();
  });

  async function run(scenario: string, ids: string[]): Promise<Record<string, RowResult>> {
    const definitions = allContenders(CLIENT_KINDS).filter((c) => ids.includes(c.id));
    const result = await runScenario(
      scenarioById(scenario as Parameters<typeof scenarioById>[0]),
      definitions,
      redis!,
      true,
      () => undefined,
    );
    const rows = Object.fromEntries(result.rows.map((row) => [row.contender, row]));
    for (const id of ids) expect(rows[id]?.errors).toEqual([]);
    return rows;
  }

  it(
    'counts two commands per uncontended acquire + release, and sees a 1 ms sleep in acquire',
    async () => {
      const rows = await run('sequential', ['ping', 'floor', 'floor-slow']);
      // SET NX PX + one EVALSHA; two PINGs.
      expect(rows['floor']!.metrics['commands']).toBe(2);
      expect(rows['ping']!.metrics['commands']).toBe(2);
      // The slowed twin sleeps 1 ms before every acquire, so no pair can take less.
      expect(rows['floor-slow']!.metrics['p50Us']).toBeGreaterThanOrEqual(1_000);
    },
    MINUTE,
  );

  it(
    'finds no overlap for a real lock and the overlaps of a contender that takes none',
    async () => {
      const rows = await run('hot-key', ['floor', 'no-lock']);
      const floor = rows['floor']!;
      expect(floor.metrics['overlaps']).toBe(0);
      expect(floor.metrics['failures']).toBe(0);
      // Every section costs the floor one winning SET and one EVALSHA, at least; only the
      // release of the one section open at the end of the window falls outside it.
      expect(floor.metrics['commandsPerCs']).toBeGreaterThan(1.9);
      expect(floor.rounds[0]!.details!['commandCheck']).toMatchObject({ ok: true, problems: [] });

      const none = rows['no-lock']!;
      // Four loops per process hold "the lock" at the same time.
      expect(none.metrics['overlaps']).toBeGreaterThan(0);
      expect(none.metrics['commandsPerCs']).toBe(0);
    },
    MINUTE,
  );

  it(
    "re-acquires a crashed holder's lock after its expiry, never before",
    async () => {
      const rows = await run('crash', ['floor']);
      expect(rows['floor']!.metrics['reacquireMs']).toBeGreaterThanOrEqual(0);
    },
    MINUTE,
  );
});
