import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  contractCases,
  token,
  waitFor,
  type ContractCase,
  type StoreContractOptions,
  type StoreFactory,
} from './contract-case';
import { addFairCases } from './fair-contract';
import { addGrantCases } from './grant-contract';

/**
 * The lockwarden store contract: every behaviour the engine relies on, as cases to run against
 * your store with any test runner (each case gets a fresh store from `factory` and a random
 * key, so a shared server is fine). The fairness cases come too, unless `supports.fair` is
 * `false`, and the grant cases when `supports.grant` is `true`.
 *
 * @example
 * import { lockStoreContract } from 'lockwarden/testing';
 *
 * describe('MyStore', () => {
 *   for (const c of lockStoreContract(() => ({ store: new MyStore() }))) it(c.name, c.run);
 * });
 * // node:test: for (const c of lockStoreContract(factory)) test(c.name, c.run);
 */
export function lockStoreContract(
  factory: StoreFactory,
  options: StoreContractOptions = {},
): ContractCase[] {
  const { cases, add } = contractCases(factory, options);
  add('acquires a free key and returns a positive safe-integer fence', async ({ store, key }) => {
    const result = await store.acquire(key, token(), 10_000);
    assert.equal(result.acquired, true);
    assert.ok(result.acquired && Number.isSafeInteger(result.fence) && result.fence > 0);
  });

  add("refuses a held key and reports the holder's remaining ttl", async ({ store, key }) => {
    await store.acquire(key, token(), 10_000);
    const result = await store.acquire(key, token(), 10_000);
    assert.equal(result.acquired, false);
    assert.ok(
      !result.acquired && result.ttl > 0 && result.ttl <= 10_000,
      `ttl ${JSON.stringify(result)}`,
    );
  });

  add(
    'lets the same owner re-acquire with the same fence (retried request)',
    async ({ store, key }) => {
      const owner = token();
      const first = await store.acquire(key, owner, 10_000);
      const again = await store.acquire(key, owner, 10_000);
      assert.deepEqual(again, first);
    },
  );

  add('renews only for the owner', async ({ store, key }) => {
    const owner = token();
    await store.acquire(key, owner, 10_000);
    assert.equal(await store.renew(key, token(), 60_000), false);
    assert.ok(((await store.inspect(key))?.ttl ?? 0) <= 10_000);
    assert.equal(await store.renew(key, owner, 60_000), true);
    const ttl = (await store.inspect(key))?.ttl ?? 0;
    assert.ok(ttl > 10_000 && ttl <= 60_000, `ttl after renew: ${ttl}`);
  });

  add('does not renew a free or expired key', async ({ store, key, shortTtl }) => {
    const owner = token();
    assert.equal(await store.renew(key, owner, 10_000), false);
    await store.acquire(key, owner, shortTtl);
    await sleep(shortTtl * 2);
    assert.equal(await store.renew(key, owner, 10_000), false);
    assert.equal(await store.inspect(key), null);
  });

  add('releases only for the owner, once', async ({ store, key }) => {
    const owner = token();
    await store.acquire(key, owner, 10_000);
    assert.equal(await store.release(key, token()), false);
    assert.notEqual(await store.inspect(key), null);
    assert.equal(await store.release(key, owner), true);
    assert.equal(await store.inspect(key), null);
    assert.equal(await store.release(key, owner), false);
  });

  add('inspects ttl, fence, holds and metadata without the owner token', async ({ store, key }) => {
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

  add('force-releases whoever holds the key', async ({ store, key }) => {
    await store.acquire(key, token(), 10_000);
    assert.equal(await store.forceRelease(key), true);
    assert.equal(await store.inspect(key), null);
    assert.equal(await store.forceRelease(key), false);
    assert.equal((await store.acquire(key, token(), 10_000)).acquired, true);
  });

  add('lets another owner take an expired key', async ({ store, key, shortTtl }) => {
    await store.acquire(key, token(), shortTtl);
    await sleep(shortTtl * 2);
    assert.equal((await store.acquire(key, token(), 10_000)).acquired, true);
  });

  add(
    'issues strictly increasing fences across release, expiry and force-release',
    async ({ store, key, shortTtl }) => {
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

  add('keeps keys independent', async ({ store, key }) => {
    const a = await store.acquire(`${key}:a`, token(), 10_000);
    const b = await store.acquire(`${key}:b`, token(), 10_000);
    assert.equal(a.acquired && b.acquired, true);
  });

  add('gives a key to exactly one of 50 concurrent owners', async ({ store, key }) => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => store.acquire(key, token(), 10_000)),
    );
    assert.equal(results.filter((r) => r.acquired).length, 1);
  });

  add(
    'renews a batch with one result per entry',
    async ({ store, key }) => {
      const owner = token();
      await store.acquire(`${key}:a`, owner, 10_000);
      const results = await store.renewMany!([
        { key: `${key}:a`, owner, ttl: 20_000 },
        { key: `${key}:b`, owner, ttl: 20_000 },
        { key: `${key}:a`, owner: token(), ttl: 20_000 },
      ]);
      assert.deepEqual(results, [true, false, false]);
    },
    ['renewMany'],
  );

  add(
    'notifies release listeners on release and force-release only',
    async ({ store, key }) => {
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
    ['onRelease'],
  );
  addFairCases(add);
  addGrantCases(add);
  return cases;
}
