// The shipped contract under node:test, to show it needs no Jest: run by
// test/unit/stores/store-contract.test.ts as `node -r @swc-node/register <this file>`.
import { test } from 'node:test';
import { MemoryLockStore } from '../../../src';
import { lockStoreContract } from '../../../src/testing';

for (const c of lockStoreContract(() => ({ store: new MemoryLockStore() }), {
  shortTtl: 30,
  supports: { grant: true, successor: true },
})) {
  void test(c.name, c.run);
}
