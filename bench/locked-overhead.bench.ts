// What @Locked adds over calling engine.withLock around the same async method yourself: the same
// lock work on the in-memory store, with a method body that does nothing, so the decorator's
// share is as visible as it can be.
// Each round times a decorated variant right next to its direct withLock twin (alternating which
// goes first), so drift in machine load hits both alike; the report gives the median over rounds
// of the per-round ratio. Target: overhead <= 5 %.
import { configureLocks, LockEngine, Locked, MemoryLockStore, unregisterLockEngine } from '../src';

const ROUNDS = 15;
const CALLS = 10_000;
const WARM_UP_CALLS = 20_000;

interface Pair {
  name: string;
  direct: string;
  decorated(): Promise<unknown>;
  withLock(): Promise<unknown>;
}

const work = (): Promise<number> => Promise.resolve(1);

/** Sequential calls per second. */
async function opsPerSecond(call: () => Promise<unknown>, calls: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i += 1) await call();
  return calls / (Number(process.hrtime.bigint() - started) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(): Promise<void> {
  const engine = new LockEngine({ store: new MemoryLockStore() });
  configureLocks(engine);

  class Service {
    @Locked({ key: 'bench' })
    async fixedKey(): Promise<number> {
      return work();
    }

    @Locked()
    async defaultKey(): Promise<number> {
      return work();
    }

    @Locked({ key: 'bench:{0}' })
    async template(_id: string): Promise<number> {
      return work();
    }

    @Locked({ key: (id: string) => `bench:${id}` })
    async keyFunction(_id: string): Promise<number> {
      return work();
    }
  }
  // What a user would write without the decorator: withLock around the same async method.
  class Plain {
    async run(_id?: string): Promise<number> {
      return work();
    }
  }
  const service = new Service();
  const plain = new Plain();
  const options = {};
  let id = '42';
  // Reassigned so that neither side gets a constant-folded key.
  id = String(42);
  const pairs: Pair[] = [
    {
      name: "@Locked({ key: 'bench' })",
      direct: "withLock('bench', ...)",
      decorated: () => service.fixedKey(),
      withLock: () => engine.withLock('bench', () => plain.run(), options),
    },
    {
      name: '@Locked() (default key)',
      direct: "withLock('Service.defaultKey', ...)",
      decorated: () => service.defaultKey(),
      withLock: () => engine.withLock('Service.defaultKey', () => plain.run(), options),
    },
    {
      name: "@Locked({ key: 'bench:{0}' })",
      direct: 'withLock(`bench:${id}`, ...)',
      decorated: () => service.template(id),
      withLock: () => engine.withLock(`bench:${id}`, () => plain.run(id), options),
    },
    {
      name: '@Locked({ key: (id) => ... })',
      direct: 'withLock(`bench:${id}`, ...)',
      decorated: () => service.keyFunction(id),
      withLock: () => engine.withLock(`bench:${id}`, () => plain.run(id), options),
    },
  ];

  for (const pair of pairs) {
    await opsPerSecond(pair.withLock, WARM_UP_CALLS);
    await opsPerSecond(pair.decorated, WARM_UP_CALLS);
  }
  const results = pairs.map(() => ({ direct: [] as number[], decorated: [] as number[] }));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [i, pair] of pairs.entries()) {
      const result = results[i]!;
      if (round % 2 === 0) {
        result.direct.push(await opsPerSecond(pair.withLock, CALLS));
        result.decorated.push(await opsPerSecond(pair.decorated, CALLS));
      } else {
        result.decorated.push(await opsPerSecond(pair.decorated, CALLS));
        result.direct.push(await opsPerSecond(pair.withLock, CALLS));
      }
    }
  }

  console.log(
    `MemoryLockStore, ${ROUNDS} rounds x ${CALLS} sequential calls each, node ${process.version}`,
  );
  console.log('overhead = median over rounds of (direct ops/s / decorated ops/s - 1)\n');
  console.log(
    `${'decorated'.padEnd(32)} ${'ops/s'.padStart(8)}   ${'direct'.padEnd(36)} ${'ops/s'.padStart(8)}   overhead`,
  );
  for (const [i, pair] of pairs.entries()) {
    const { direct, decorated } = results[i]!;
    const overhead = median(direct.map((d, round) => d / decorated[round]! - 1)) * 100;
    console.log(
      `${pair.name.padEnd(32)} ${Math.round(median(decorated)).toString().padStart(8)}   ${pair.direct.padEnd(36)} ${Math.round(median(direct)).toString().padStart(8)}   ${overhead.toFixed(1)} %`,
    );
  }

  unregisterLockEngine('default', engine);
  await engine.close();
  await decoratorOwnCost();
}

/**
 * The decorator's own work per call (key, engine lookup, wrapper), measured against an engine
 * stub whose withLock just calls the function: a steadier number than the difference of two
 * noisy lock timings, to set against the cost of one real withLock.
 */
async function decoratorOwnCost(): Promise<void> {
  const stub = {
    withLock: (_key: string, fn: () => unknown) => Promise.resolve(fn()),
  } as unknown as LockEngine;
  configureLocks(stub, { name: 'stub' });
  class Service {
    @Locked({ engine: 'stub', key: 'bench:{0}' })
    async template(_id: string): Promise<number> {
      return work();
    }
  }
  const service = new Service();
  const direct = (): Promise<unknown> => stub.withLock('bench:42', work, {});
  const decorated = (): Promise<unknown> => service.template('42');
  const memory = new LockEngine({ store: new MemoryLockStore() });
  const real = (): Promise<unknown> => memory.withLock('bench:42', work, {});
  for (const call of [direct, decorated, real]) await opsPerSecond(call, WARM_UP_CALLS);
  const extra: number[] = [];
  const lockCost: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const a = await opsPerSecond(direct, CALLS * 10);
    const b = await opsPerSecond(decorated, CALLS * 10);
    extra.push(1e9 / b - 1e9 / a);
    lockCost.push(1e9 / (await opsPerSecond(real, CALLS)));
  }
  const ns = median(extra);
  const lock = median(lockCost);
  console.log(
    `\n@Locked({ key: 'bench:{0}' }) on a stub engine: +${ns.toFixed(0)} ns per call over calling the stub directly;`,
  );
  console.log(
    `a memory-store withLock costs ${(lock / 1000).toFixed(1)} µs, so the decorator's own share is ${((ns / lock) * 100).toFixed(1)} %.`,
  );
  unregisterLockEngine('stub', stub);
  await memory.close();
}
