import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LockStore } from '../stores/lock-store';

/** The test-runner functions the suite needs; Jest, Vitest and Mocha provide them as globals. */
export interface TestApi {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>, timeout?: number): void;
  beforeEach(fn: () => Promise<void>): void;
  afterEach(fn: () => Promise<void>): void;
}

/** Creates a fresh store for one test; `cleanup` runs after it. */
export type StoreFactory = () =>
  | Promise<{ store: LockStore; cleanup?: () => Promise<void> }>
  | { store: LockStore; cleanup?: () => Promise<void> };

/** Options of {@link describeLockStoreContract}. */
export interface StoreContractOptions {
  /**
   * The test functions to use.
   * @default the runner's globals (`describe`, `it`, `beforeEach`, `afterEach`)
   */
  api?: TestApi;
  /**
   * A short ttl in ms used by the expiry tests; raise it for a slow remote store.
   * @default 100
   */
  shortTtl?: number;
  /**
   * The optional parts of `LockStore` your store implements. Each one claimed is tested (and
   * fails if its method is missing); each one disclaimed is left out of the suite.
   * @default { renewMany: true, onRelease: true, fair: true } (`fair` means `dequeue` and the
   * fair-queue rules of `acquire`)
   */
  supports?: Partial<Record<Capability, boolean>>;
}

/** Optional store capabilities, by the method that provides them. */
type Capability = 'renewMany' | 'onRelease' | 'fair';
const CAPABILITY_METHOD = {
  renewMany: 'renewMany',
  onRelease: 'onRelease',
  fair: 'dequeue',
} as const;

const token = (): string => randomBytes(16).toString('base64url');

/**
 * Registers the lockwarden store contract: every behaviour the engine relies on, checked
 * against your store. Keys are random, so a shared server is fine.
 *
 * @example
 * import { describeLockStoreContract } from 'lockwarden/testing';
 * describeLockStoreContract('MyStore', () => ({ store: new MyStore() }));
 */
export function describeLockStoreContract(
  name: string,
  factory: StoreFactory,
  options: StoreContractOptions = {},
): void {
  const api = options.api ?? runnerGlobals();
  const shortTtl = options.shortTtl ?? 100;
  const supports = { renewMany: true, onRelease: true, fair: true, ...options.supports };
  let store: LockStore;
  let cleanup: (() => Promise<void>) | undefined;
  let key: string;
  const freshStorePerTest = (): void => {
    api.beforeEach(async () => {
      const created = await factory();
      store = created.store;
      cleanup = created.cleanup;
      key = `contract:{${token()}}`;
    });
    api.afterEach(async () => {
      await cleanup?.();
    });
  };
  /** Register a test that needs `capabilities`, if the store claims them all. */
  const itNeeds = (capabilities: Capability[], title: string, fn: () => Promise<void>): void => {
    if (!capabilities.every((capability) => supports[capability])) return;
    api.it(title, async () => {
      for (const capability of capabilities) {
        const method = CAPABILITY_METHOD[capability];
        assert.equal(
          typeof store[method],
          'function',
          `the store has no ${method}() although the suite was told it supports "${capability}" (pass supports: { ${capability}: false } if it does not)`,
        );
      }
      await fn();
    });
  };

  api.describe(`LockStore contract: ${name}`, () => {
    freshStorePerTest();

    api.it('acquires a free key and returns a positive safe-integer fence', async () => {
      const result = await store.acquire(key, token(), 10_000);
      assert.equal(result.acquired, true);
      assert.ok(result.acquired && Number.isSafeInteger(result.fence) && result.fence > 0);
    });

    api.it("refuses a held key and reports the holder's remaining ttl", async () => {
      await store.acquire(key, token(), 10_000);
      const result = await store.acquire(key, token(), 10_000);
      assert.equal(result.acquired, false);
      assert.ok(
        !result.acquired && result.ttl > 0 && result.ttl <= 10_000,
        `ttl ${JSON.stringify(result)}`,
      );
    });

    api.it('lets the same owner re-acquire with the same fence (retried request)', async () => {
      const owner = token();
      const first = await store.acquire(key, owner, 10_000);
      const again = await store.acquire(key, owner, 10_000);
      assert.deepEqual(again, first);
    });

    api.it('renews only for the owner', async () => {
      const owner = token();
      await store.acquire(key, owner, 10_000);
      assert.equal(await store.renew(key, token(), 60_000), false);
      assert.ok(((await store.inspect(key))?.ttl ?? 0) <= 10_000);
      assert.equal(await store.renew(key, owner, 60_000), true);
      const ttl = (await store.inspect(key))?.ttl ?? 0;
      assert.ok(ttl > 10_000 && ttl <= 60_000, `ttl after renew: ${ttl}`);
    });

    api.it('does not renew a free or expired key', async () => {
      const owner = token();
      assert.equal(await store.renew(key, owner, 10_000), false);
      await store.acquire(key, owner, shortTtl);
      await sleep(shortTtl * 2);
      assert.equal(await store.renew(key, owner, 10_000), false);
      assert.equal(await store.inspect(key), null);
    });

    api.it('releases only for the owner, once', async () => {
      const owner = token();
      await store.acquire(key, owner, 10_000);
      assert.equal(await store.release(key, token()), false);
      assert.notEqual(await store.inspect(key), null);
      assert.equal(await store.release(key, owner), true);
      assert.equal(await store.inspect(key), null);
      assert.equal(await store.release(key, owner), false);
    });

    api.it('inspects ttl, fence, holds and metadata without the owner token', async () => {
      const owner = token();
      const taken = await store.acquire(key, owner, 10_000, { metadata: 'host-a:123' });
      const info = await store.inspect(key);
      assert.ok(info && taken.acquired);
      assert.equal(info.fence, taken.fence);
      assert.equal(info.holds, 1);
      assert.equal(info.metadata, 'host-a:123');
      assert.ok(info.ttl > 0 && info.ttl <= 10_000);
      assert.ok(!JSON.stringify(info).includes(owner), 'inspect must not reveal the owner token');
      assert.equal(await store.inspect(`${key}:other`), null);
    });

    api.it('force-releases whoever holds the key', async () => {
      await store.acquire(key, token(), 10_000);
      assert.equal(await store.forceRelease(key), true);
      assert.equal(await store.inspect(key), null);
      assert.equal(await store.forceRelease(key), false);
      assert.equal((await store.acquire(key, token(), 10_000)).acquired, true);
    });

    api.it('lets another owner take an expired key', async () => {
      await store.acquire(key, token(), shortTtl);
      await sleep(shortTtl * 2);
      assert.equal((await store.acquire(key, token(), 10_000)).acquired, true);
    });

    api.it(
      'issues strictly increasing fences across release, expiry and force-release',
      async () => {
        const fences: number[] = [];
        const take = async (ttl: number): Promise<string> => {
          const owner = token();
          const result = await store.acquire(key, owner, ttl);
          assert.ok(result.acquired);
          fences.push(result.fence);
          return owner;
        };
        await store.release(key, await take(10_000));
        await store.release(key, await take(10_000));
        await take(shortTtl);
        await sleep(shortTtl * 2);
        await take(10_000);
        await store.forceRelease(key);
        await take(10_000);
        for (let i = 1; i < fences.length; i++) {
          assert.ok(fences[i]! > fences[i - 1]!, `fences must increase: ${fences.join(', ')}`);
        }
      },
    );

    api.it('keeps keys independent', async () => {
      const a = await store.acquire(`${key}:a`, token(), 10_000);
      const b = await store.acquire(`${key}:b`, token(), 10_000);
      assert.equal(a.acquired && b.acquired, true);
    });

    api.it('gives a key to exactly one of 50 concurrent owners', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.acquire(key, token(), 10_000)),
      );
      assert.equal(results.filter((r) => r.acquired).length, 1);
    });

    itNeeds(['renewMany'], 'renews a batch with one result per entry', async () => {
      const owner = token();
      await store.acquire(`${key}:a`, owner, 10_000);
      const results = await store.renewMany!([
        { key: `${key}:a`, owner, ttl: 20_000 },
        { key: `${key}:b`, owner, ttl: 20_000 },
        { key: `${key}:a`, owner: token(), ttl: 20_000 },
      ]);
      assert.deepEqual(results, [true, false, false]);
    });

    itNeeds(
      ['onRelease'],
      'notifies release listeners on release and force-release only',
      async () => {
        let calls = 0;
        const unsubscribe = await store.onRelease!(key, () => {
          calls += 1;
        });
        const owner = token();
        await store.acquire(key, owner, 10_000);
        await store.release(key, token());
        await store.release(key, owner);
        await waitFor(() => calls === 1);
        await store.acquire(key, token(), 10_000);
        await store.forceRelease(key);
        await waitFor(() => calls === 2);
        unsubscribe();
        await store.acquire(key, owner, 10_000);
        await store.release(key, owner);
        await sleep(50);
        assert.equal(calls, 2);
      },
    );
  });

  if (!supports.fair) return;
  api.describe(`LockStore fairness contract: ${name}`, () => {
    freshStorePerTest();

    const fair = { fair: true } as const;

    itNeeds(
      ['fair'],
      'gives a free lock to the head of the fair queue, in arrival order',
      async () => {
        const holder = token();
        const [b, c, d] = [token(), token(), token()];
        await store.acquire(key, holder, 10_000);
        for (const waiter of [b, c, d]) {
          const result = await store.acquire(key, waiter, 10_000, fair);
          assert.ok(
            !result.acquired && result.queued === true && result.ttl > 0,
            JSON.stringify(result),
          );
        }
        await store.release(key, holder);
        assert.deepEqual(await store.acquire(key, c, 10_000, fair), {
          acquired: false,
          ttl: -1,
          queued: true,
        });
        const first = await store.acquire(key, b, 10_000, fair);
        assert.ok(first.acquired && first.ticket !== undefined, JSON.stringify(first));
        await store.release(key, b);
        assert.equal((await store.acquire(key, d, 10_000, fair)).acquired, false);
        const second = await store.acquire(key, c, 10_000, fair);
        assert.ok(second.acquired && second.ticket !== undefined && second.ticket > first.ticket);
        await store.release(key, c);
        const third = await store.acquire(key, d, 10_000, fair);
        assert.ok(third.acquired && third.ticket! > second.ticket);
        assert.ok(third.fence > second.fence && second.fence > first.fence);
      },
    );

    itNeeds(['fair'], 'makes plain callers join an existing queue instead of barging', async () => {
      const [holder, b, plain] = [token(), token(), token()];
      await store.acquire(key, holder, 10_000);
      await store.acquire(key, b, 10_000, fair);
      await store.release(key, holder);
      assert.deepEqual(await store.acquire(key, plain, 10_000), {
        acquired: false,
        ttl: -1,
        queued: true,
      });
      assert.equal((await store.acquire(key, b, 10_000, fair)).acquired, true);
      await store.release(key, b);
      assert.equal((await store.acquire(key, plain, 10_000)).acquired, true);
    });

    itNeeds(
      ['fair'],
      'never queues a plain caller when there is no queue, nor a single attempt',
      async () => {
        const [holder, b, plain, once] = [token(), token(), token(), token()];
        await store.acquire(key, holder, 10_000);
        const plainResult = await store.acquire(key, plain, 10_000);
        assert.ok(!plainResult.acquired && plainResult.ttl > 0 && !plainResult.queued);
        await store.acquire(key, b, 10_000, fair);
        const single = await store.acquire(key, once, 10_000, { fair: true, once: true });
        assert.equal(single.acquired, false);
        assert.ok(!single.acquired && !single.queued);
        await store.release(key, holder);
        assert.equal((await store.acquire(key, b, 10_000, fair)).acquired, true);
        await store.release(key, b);
        // Nobody else is queued: the single attempt left no trace, the plain caller never queued.
        assert.equal((await store.acquire(key, token(), 10_000)).acquired, true);
      },
    );

    itNeeds(
      ['fair', 'onRelease'],
      'names the next waiter in the release notification',
      async () => {
        const nexts: Array<string | undefined> = [];
        const unsubscribe = await store.onRelease!(key, (next) => nexts.push(next));
        const [holder, b] = [token(), token()];
        await store.acquire(key, holder, 10_000);
        await store.release(key, holder);
        await waitFor(() => nexts.length === 1);
        await store.acquire(key, holder, 10_000);
        await store.acquire(key, b, 10_000, fair);
        await store.release(key, holder);
        await waitFor(() => nexts.length === 2);
        unsubscribe();
        assert.deepEqual(nexts, [undefined, b]);
      },
    );

    itNeeds(
      ['fair', 'onRelease'],
      'lets a waiter that gives up leave, and wakes the next one if the lock is free',
      async () => {
        const [holder, b, c] = [token(), token(), token()];
        await store.acquire(key, holder, 10_000);
        await store.acquire(key, b, 10_000, fair);
        await store.acquire(key, c, 10_000, fair);
        await store.release(key, holder);
        const nexts: Array<string | undefined> = [];
        const unsubscribe = await store.onRelease!(key, (next) => nexts.push(next));
        assert.equal(await store.dequeue!(key, b), true);
        assert.equal(await store.dequeue!(key, b), false);
        await waitFor(() => nexts.length === 1);
        unsubscribe();
        assert.deepEqual(nexts, [c]);
        assert.equal((await store.acquire(key, c, 10_000, fair)).acquired, true);
      },
    );

    itNeeds(['fair'], 'drops a waiter that stops refreshing after its waiter ttl', async () => {
      const [holder, dead, alive] = [token(), token(), token()];
      await store.acquire(key, holder, 10_000);
      await store.acquire(key, dead, 10_000, { fair: true, waiterTtl: shortTtl });
      await store.acquire(key, alive, 10_000, { fair: true, waiterTtl: 10_000 });
      await store.release(key, holder);
      assert.equal((await store.acquire(key, alive, 10_000, fair)).acquired, false);
      await sleep(shortTtl * 2);
      assert.equal((await store.acquire(key, alive, 10_000, fair)).acquired, true);
    });
  });
}

function runnerGlobals(): TestApi {
  const g = globalThis as Partial<Record<keyof TestApi, unknown>>;
  for (const name of ['describe', 'it', 'beforeEach', 'afterEach'] as const) {
    if (typeof g[name] !== 'function') {
      throw new TypeError(
        `describeLockStoreContract: no global "${name}" found; pass { api: { describe, it, beforeEach, afterEach } }.`,
      );
    }
  }
  return g as TestApi;
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until)
      throw new assert.AssertionError({ message: 'condition not met in time' });
    await sleep(5);
  }
}
