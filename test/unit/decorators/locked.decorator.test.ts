import { setImmediate as tick } from 'node:timers/promises';
import fc from 'fast-check';
import {
  configureLocks,
  currentLock,
  Locked,
  LockBusyError,
  LockConfigError,
  LockEngine,
  LockKeyError,
  LockStoreError,
  LockTimeoutError,
  MemoryLockStore,
  unregisterLockEngine,
  type LockStore,
} from '../../../src';
import { getLockedPlan } from '../../../src/decorators/locked.decorator';
import { Accounts } from '../../fixtures/decorators/shared/scenario';
import { deferred } from '../../support/deferred';
import { nextEvent } from '../../support/next-event';
import { recordingLogger } from '../../support/recording-logger';
import { rejectionOf } from '../../support/thrown-by';

let engine: LockEngine;

beforeEach(() => {
  engine = new LockEngine({ store: new MemoryLockStore() });
  configureLocks(engine);
});

afterEach(async () => {
  unregisterLockEngine('default');
  unregisterLockEngine('billing');
  await engine.close();
});

describe('@Locked keys', () => {
  // Accounts (audit, static nightly, a key function, a template) is the class both decorator
  // systems run in test/unit/decorators/decorator-systems.test.ts; Ledger adds what it lacks.
  const run = Symbol('run');

  class Ledger {
    @Locked()
    async [run](): Promise<string | undefined> {
      return currentLock()?.key;
    }

    @Locked({ key: 'reports' })
    async report(): Promise<string | undefined> {
      return currentLock()?.key;
    }
  }

  it('defaults to ClassName.methodName, for static and symbol-named methods too', async () => {
    expect(await new Accounts().audit()).toBe('Accounts.audit');
    expect(await Accounts.nightly()).toBe('Accounts.nightly');
    expect(await new Ledger()[run]()).toBe('Ledger.[run]');
  });

  it('takes the default key from the class that declares the method, not a subclass', async () => {
    class SavingsAccounts extends Accounts {}
    expect(await new SavingsAccounts().audit()).toBe('Accounts.audit');
  });

  it('uses a key function with the arguments, as returned', async () => {
    expect(await new Accounts().credit('a:1', 5)).toBe('account:a:1:5');
  });

  it('renders a template with escaped values, and a fixed key as written', async () => {
    expect(await new Accounts().send({ id: 'A7' })).toBe('invoice:A7');
    expect(await new Accounts().send({ id: 'a:b{c}%' })).toBe('invoice:a%3Ab%7Bc%7D%25');
    expect(await new Ledger().report()).toBe('reports');
  });

  it('never gives two different argument tuples the same key (property)', async () => {
    class Pairs {
      @Locked({ key: 'pair:{0}:{1.id}' })
      async key(_a: string, _b: { id: string }): Promise<string> {
        return currentLock()!.key;
      }
    }
    const pairs = new Pairs();
    const part = fc.string({ unit: fc.constantFrom('a', ':', '%', '{', '}', '3A', 'é') });
    await fc.assert(
      fc.asyncProperty(part, part, part, part, async (a, b, c, d) => {
        if (a === c && b === d) return true;
        const [x, y] = await Promise.all([pairs.key(a, { id: b }), pairs.key(c, { id: d })]);
        return x !== y;
      }),
      { numRuns: 300 },
    );
  });

  it('rejects with LockKeyError naming class, method, template and path, without running', async () => {
    let ran = false;
    class Orders {
      @Locked({ key: 'order:{0}:{1.customer.id}' })
      async ship(id: string, order: { customer?: { id?: unknown } }): Promise<void> {
        ran = true;
        void [id, order];
      }
    }
    const missing = await rejectionOf(new Orders().ship('o1', {}));
    expect(missing).toBeInstanceOf(LockKeyError);
    expect(missing.message).toBe(
      '@Locked on Orders.ship: key template "order:{0}:{1.customer.id}" cannot read {1.customer.id}: {1.customer} is undefined.',
    );
    const nonScalar = await rejectionOf(new Orders().ship('o1', { customer: { id: { n: 1 } } }));
    expect(nonScalar).toBeInstanceOf(LockKeyError);
    expect(nonScalar.message).toBe(
      '@Locked on Orders.ship: key template "order:{0}:{1.customer.id}" needs a string, a finite number, a bigint or a boolean at {1.customer.id}, got an object.',
    );
    expect(ran).toBe(false);
    expect(engine.heldCount).toBe(0);
  });

  it('rejects with LockKeyError naming the method when a template renders an empty or long key', async () => {
    let ran = false;
    class Files {
      @Locked({ key: '{0}' })
      async open(name: string): Promise<void> {
        ran = true;
        void name;
      }
    }
    const files = new Files();
    const empty = await files.open('').catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(LockKeyError);
    expect((empty as Error).message).toBe(
      '@Locked on Files.open: the lock key must be a non-empty string, got "".',
    );
    const long = await files.open('x'.repeat(1100)).catch((e: unknown) => e);
    expect(long).toBeInstanceOf(LockKeyError);
    expect((long as Error).message).toBe(
      `@Locked on Files.open: the lock key "${'x'.repeat(40)}…" is 1100 bytes; keys are limited to 1024 bytes (hash long identifiers into the key).`,
    );
    expect(ran).toBe(false);
  });

  it('rejects with LockKeyError when the key function returns no key or throws', async () => {
    let ran = false;
    const missingId = new RangeError('the order has no id');
    const orderId = (order: { id: string }): string => {
      if (!order.id) throw missingId;
      return order.id;
    };
    class Orders {
      @Locked({ key: (result: unknown) => result as string })
      async ship(result: unknown): Promise<void> {
        ran = true;
        void result;
      }

      @Locked({ key: (order: { id: string }) => `order:${orderId(order)}` })
      async pack(order: { id: string }): Promise<void> {
        ran = true;
        void order;
      }
    }
    const orders = new Orders();
    for (const [value, described] of [
      ['', '""'],
      [42, '42'],
      [undefined, 'undefined'],
      [{}, 'an object'],
    ] as const) {
      const error = await rejectionOf(orders.ship(value));
      expect(error).toBeInstanceOf(LockKeyError);
      expect(error.message).toBe(
        `@Locked on Orders.ship: the key function must return a non-empty string or a list of keys, got ${described}.`,
      );
    }
    const threw = await rejectionOf(orders.pack({ id: '' }));
    expect(threw).toBeInstanceOf(LockKeyError);
    expect(threw.message).toBe(
      '@Locked on Orders.pack: the key function threw: the order has no id',
    );
    expect(threw.cause).toBe(missingId);
    expect(ran).toBe(false);
  });
});

describe('@Locked wrapping', () => {
  class Ledger {
    entries: string[] = [];

    @Locked({ key: 'ledger:{0}' })
    async add(account: string, amount: number): Promise<number> {
      this.entries.push(`${account}:${amount}`);
      return this.entries.length;
    }

    @Locked()
    async fail(error: Error): Promise<never> {
      throw error;
    }
  }

  it('keeps the name, length and this; wraps once at definition', async () => {
    const method = Ledger.prototype.add;
    expect(method.name).toBe('add');
    expect(method.length).toBe(2);
    const ledger = new Ledger();
    expect(await ledger.add('a', 1)).toBe(1);
    expect(await ledger.add('a', 2)).toBe(2);
    expect(ledger.entries).toEqual(['a:1', 'a:2']);
    expect(Ledger.prototype.add).toBe(method);
  });

  it('passes the return value through and releases the lock before the promise settles', async () => {
    const ledger = new Ledger();
    const heldWhenSettled = await ledger.add('b', 1).then(() => engine.heldCount);
    expect(heldWhenSettled).toBe(0);
    expect(await engine.isLocked('ledger:b')).toBe(false);
  });

  it('passes errors through unchanged and still releases the lock', async () => {
    const failure = new RangeError('insufficient funds');
    const error = await rejectionOf(
      new Ledger().fail(failure).catch((e: unknown) => {
        expect(engine.heldCount).toBe(0);
        throw e;
      }),
    );
    expect(error).toBe(failure);
    expect(await engine.isLocked('Ledger.fail')).toBe(false);
  });

  it('gives the method its lock through currentLock()', async () => {
    class Jobs {
      @Locked({ key: 'job:{0}', ttl: 5_000, metadata: 'worker-1' })
      async run(id: string): Promise<unknown> {
        const lock = currentLock()!;
        const info = await engine.inspect(`job:${id}`);
        return { lock, key: lock.key, held: lock.held, aborted: lock.signal.aborted, info };
      }
    }
    const result = (await new Jobs().run('7')) as {
      lock: NonNullable<ReturnType<typeof currentLock>>;
      key: string;
      held: boolean;
      aborted: boolean;
      info: { fence: number; ttl: number; metadata: string };
    };
    expect(result).toMatchObject({ key: 'job:7', held: true, aborted: false });
    expect(result.info.fence).toBe(result.lock.fence);
    expect(result.info.metadata).toBe('worker-1');
    expect(result.info.ttl).toBeLessThanOrEqual(5_000);
    expect(result.info.ttl).toBeGreaterThan(0);
    // After the call the lock is released and its signal has aborted.
    expect(result.lock.held).toBe(false);
    expect(result.lock.signal.aborted).toBe(true);
    expect(currentLock()).toBeUndefined();
  });
});

describe('getLockedPlan', () => {
  it('tells tooling which methods @Locked wrapped, with their engine and options', () => {
    const signal = new AbortController().signal;
    class Billing {
      @Locked({ engine: 'billing', key: 'charge:{0}', ttl: 5_000, signal })
      async charge(_id: string): Promise<void> {}

      async refund(): Promise<void> {}
    }
    const plan = getLockedPlan(Billing.prototype.charge);
    expect(plan).toMatchObject({ engine: 'billing', lockOptions: { ttl: 5_000, signal } });
    expect(Object.isFrozen(plan!.lockOptions)).toBe(true);
    expect(Object.keys(plan!.lockOptions).sort()).toEqual(['signal', 'ttl']);
    expect(getLockedPlan(Billing.prototype.refund)).toBeUndefined();
    expect(getLockedPlan(undefined)).toBeUndefined();
  });
});

describe('@Locked finds its engine on each call', () => {
  it('rejects with LockConfigError and never runs the method without an engine', async () => {
    let ran = false;
    class Accounts {
      @Locked()
      async audit(): Promise<void> {
        ran = true;
      }
    }
    unregisterLockEngine('default');
    const error = await rejectionOf(new Accounts().audit());
    expect(error).toBeInstanceOf(LockConfigError);
    expect(error.message).toBe(
      '@Locked on Accounts.audit: no lock engine is configured. Call configureLocks(new LockEngine({ store })) at start-up, or import LockModule.forRoot(...) in NestJS.',
    );
    expect(ran).toBe(false);
    // Registered after the class was defined: used from the next call on.
    configureLocks(engine);
    await new Accounts().audit();
    expect(ran).toBe(true);
  });

  it('uses the named engine, and says how to register a missing one', async () => {
    class Billing {
      @Locked({ engine: 'billing', key: 'charge:{0}' })
      async charge(_id: string): Promise<[number, number]> {
        return [billing.heldCount, engine.heldCount];
      }
    }
    const billing = new LockEngine({ store: new MemoryLockStore() });
    try {
      const error = await rejectionOf(new Billing().charge('1'));
      expect(error).toBeInstanceOf(LockConfigError);
      expect(error.message).toBe(
        '@Locked on Billing.charge: no lock engine is registered under the name "billing" (registered: "default"). Call configureLocks(engine, { name: "billing" }) or LockModule.forRoot({ name: "billing", ... }).',
      );
      configureLocks(billing, { name: 'billing' });
      expect(await new Billing().charge('1')).toEqual([1, 0]);
    } finally {
      await billing.close();
    }
  });

  it('follows a replaced default engine', async () => {
    class Accounts {
      @Locked()
      async audit(): Promise<number> {
        return other.heldCount;
      }
    }
    const other = new LockEngine({ store: new MemoryLockStore() });
    try {
      expect(await new Accounts().audit()).toBe(0);
      configureLocks(other);
      expect(await new Accounts().audit()).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('@Locked reentrancy', () => {
  it('lets a method call itself with the same key', async () => {
    class Tree {
      fences: number[] = [];

      @Locked({ key: 'tree:{0}' })
      async walk(id: string, depth: number): Promise<number> {
        this.fences.push(currentLock()!.fence);
        return depth === 0 ? 0 : 1 + (await this.walk(id, depth - 1));
      }
    }
    const tree = new Tree();
    expect(await tree.walk('t', 3)).toBe(3);
    expect(new Set(tree.fences).size).toBe(1);
    expect(await engine.isLocked('tree:t')).toBe(false);
  });

  it('lets a method call another with the same resolved key, and nests different keys', async () => {
    class Orders {
      @Locked({ key: 'order:{0}' })
      async ship(id: string): Promise<[number, number, string]> {
        const outer = currentLock()!.fence;
        return [outer, await this.pack(id), await this.label(id)];
      }

      @Locked({ key: (id: string) => `order:${id}` })
      async pack(id: string): Promise<number> {
        void id;
        return currentLock()!.fence;
      }

      @Locked({ key: 'label:{0}' })
      async label(id: string): Promise<string> {
        expect(await engine.isLocked(`order:${id}`)).toBe(true);
        expect(engine.heldCount).toBe(2);
        return currentLock()!.key;
      }
    }
    const [outer, packed, labelled] = await new Orders().ship('9');
    expect(packed).toBe(outer);
    expect(currentLock()).toBeUndefined();
    expect(labelled).toBe('label:9');
    expect(engine.heldCount).toBe(0);
  });
});

describe('@Locked onBusy', () => {
  let ran: string[];

  class Invoices {
    @Locked({ key: 'invoice:{0}', onBusy: 'skip' })
    async skip(id: string): Promise<string | undefined> {
      ran.push(`skip ${id}`);
      return id;
    }

    @Locked({ key: 'invoice:{0}', onBusy: 'throw' })
    async fail(id: string): Promise<void> {
      ran.push(`throw ${id}`);
    }

    @Locked({ key: 'invoice:{0}' })
    async wait(id: string): Promise<string> {
      ran.push(`wait ${id}`);
      return id;
    }

    @Locked({ key: 'invoice:{0}', waitTimeout: 0 })
    async once(id: string): Promise<void> {
      ran.push(`once ${id}`);
    }
  }

  beforeEach(() => {
    ran = [];
  });

  it("'skip' resolves undefined without running while the lock is busy", async () => {
    const held = await engine.acquire('invoice:7');
    expect(await new Invoices().skip('7')).toBeUndefined();
    await held.release();
    expect(await new Invoices().skip('7')).toBe('7');
    expect(ran).toEqual(['skip 7']);
  });

  it("'throw' rejects with LockBusyError without running", async () => {
    const held = await engine.acquire('invoice:7');
    const error = await rejectionOf(new Invoices().fail('7'));
    expect(error).toBeInstanceOf(LockBusyError);
    expect(error.message).toBe('Lock "invoice:7" is busy (held by another owner).');
    await held.release();
    expect(ran).toEqual([]);
  });

  it("'wait' (the default) runs once the holder releases", async () => {
    const held = await engine.acquire('invoice:7');
    const contended = nextEvent(engine, 'contended');
    const call = new Invoices().wait('7');
    await contended;
    expect(ran).toEqual([]);
    await held.release();
    expect(await call).toBe('7');
    expect(ran).toEqual(['wait 7']);
  });

  it('waitTimeout 0 makes one attempt and times out', async () => {
    const held = await engine.acquire('invoice:7');
    const error = await rejectionOf(new Invoices().once('7'));
    expect(error).toBeInstanceOf(LockTimeoutError);
    await held.release();
    expect(ran).toEqual([]);
  });
});

describe('@Locked concurrency', () => {
  it('serialises calls with the same key', async () => {
    const log: string[] = [];
    let inside = 0;
    let most = 0;
    class Counter {
      @Locked({ key: 'counter:{0}' })
      async bump(name: string, call: number): Promise<void> {
        log.push(`enter ${call}`);
        inside += 1;
        most = Math.max(most, inside);
        for (let i = 0; i < 5; i += 1) await tick();
        inside -= 1;
        log.push(`exit ${call}`);
        void name;
      }
    }
    const counter = new Counter();
    await Promise.all([0, 1, 2, 3, 4].map((call) => counter.bump('c', call)));
    expect(most).toBe(1);
    expect(log).toHaveLength(10);
    for (let i = 0; i < log.length; i += 2) {
      expect(log[i + 1]).toBe(log[i]!.replace('enter', 'exit'));
    }
  });

  it('runs calls with different keys in parallel', async () => {
    const bothInside = deferred();
    let inside = 0;
    let most = 0;
    class Counter {
      @Locked({ key: 'counter:{0}' })
      async bump(name: string): Promise<string> {
        inside += 1;
        most = Math.max(most, inside);
        if (inside === 2) bothInside.resolve();
        // Serialised calls would never get here together: each waits for the other to enter.
        await bothInside.promise;
        inside -= 1;
        return name;
      }
    }
    const counter = new Counter();
    expect(await Promise.all([counter.bump('a'), counter.bump('b')])).toEqual(['a', 'b']);
    expect(most).toBe(2);
  });
});

describe('@Locked passes acquire options to the engine', () => {
  function failingStore(): LockStore {
    const memory = new MemoryLockStore();
    return {
      acquire: () => Promise.reject(new Error('connection refused')),
      renew: (...args) => memory.renew(...args),
      release: (...args) => memory.release(...args),
      inspect: (...args) => memory.inspect(...args),
      forceRelease: (...args) => memory.forceRelease(...args),
    };
  }

  it("fails closed on a store error, or runs unlocked with onStoreError: 'run'", async () => {
    const logger = recordingLogger();
    const broken = new LockEngine({ store: failingStore(), logger });
    configureLocks(broken);
    const ran: string[] = [];
    class Reports {
      @Locked()
      async strict(): Promise<void> {
        ran.push('strict');
      }

      @Locked({ onStoreError: 'run' })
      async lenient(): Promise<string> {
        ran.push('lenient');
        return 'done';
      }
    }
    try {
      const error = await rejectionOf(new Reports().strict());
      expect(error).toBeInstanceOf(LockStoreError);
      expect(await new Reports().lenient()).toBe('done');
      expect(ran).toEqual(['lenient']);
      expect(logger.lines).toHaveLength(1);
    } finally {
      await broken.close();
    }
  });

  it('honours signal: an aborted signal rejects with its reason without running', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    controller.abort(reason);
    let ran = false;
    class Reports {
      @Locked({ signal: controller.signal })
      async build(): Promise<void> {
        ran = true;
      }
    }
    expect(await rejectionOf(new Reports().build())).toBe(reason);
    expect(ran).toBe(false);
  });
});
