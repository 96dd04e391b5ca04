import { MemoryLockStore } from '../../../src';
import { describeLockStoreContract } from '../../../src/testing';

describeLockStoreContract('MemoryLockStore', () => ({ store: new MemoryLockStore() }), {
  shortTtl: 30,
});
