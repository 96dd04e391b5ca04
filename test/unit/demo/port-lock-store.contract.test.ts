import { MessageChannel } from 'node:worker_threads';
import { MemoryLockStore } from '../../../src';
import { lockStoreContract } from '../../../src/testing';
import { PortLockStore } from '../../../scripts/demo/port-lock-store';
import { servePortLockStore } from '../../../scripts/demo/port-lock-store-server';

// The demo's in-memory variant shares one MemoryLockStore between worker threads through these
// two; over a MessageChannel they must still be a store the engine can rely on.
describe('LockStore contract: PortLockStore over a MessagePort to a MemoryLockStore', () => {
  const cases = lockStoreContract(() => {
    const { port1, port2 } = new MessageChannel();
    const served = servePortLockStore(port1, new MemoryLockStore());
    const store = new PortLockStore(port2);
    return {
      store,
      cleanup: async () => {
        await store.close();
        served.close();
        port2.close();
      },
    };
  });
  for (const c of cases) it(c.name, c.run);
});
