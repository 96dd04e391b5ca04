import { MemoryLockStore } from '../../../src';
import { lockStoreContract } from '../../../src/testing';

describe('LockStore contract: MemoryLockStore', () => {
  for (const c of lockStoreContract(() => ({ store: new MemoryLockStore() }), {
    shortTtl: 30,
    supports: { grant: true, successor: true },
  })) {
    it(c.name, c.run);
  }
});
