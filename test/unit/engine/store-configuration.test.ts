import { LockEngine, MemoryLockStore, type LockStore } from '../../../src';
import { recordingLogger } from '../../support/recording-logger';
import { storeOver } from '../../support/scripted-store';

describe('the store configuration check (LockStore.checkConfiguration)', () => {
  function checkedStore(answer: () => Promise<readonly string[]>): {
    store: LockStore;
    checks: () => number;
  } {
    let checks = 0;
    const store = storeOver(new MemoryLockStore(), {
      checkConfiguration: () => {
        checks += 1;
        return answer();
      },
    });
    return { store, checks: () => checks };
  }

  it('is asked once, at the first use, and its warnings go to the logger', async () => {
    const { store, checks } = checkedStore(() =>
      Promise.resolve(['Redis maxmemory-policy is "allkeys-lru" ... set it to noeviction']),
    );
    const logger = recordingLogger();
    const engine = new LockEngine({ store, logger });
    expect(checks()).toBe(0);
    await engine.withLock('a', () => undefined);
    await engine.isLocked('b');
    await (await engine.acquire('c')).release();
    expect(checks()).toBe(1);
    expect(logger.lines).toEqual([
      'lockwarden: Redis maxmemory-policy is "allkeys-lru" ... set it to noeviction',
    ]);
    await engine.close();
  });

  it('never fails or delays a lock operation', async () => {
    const hanging = checkedStore(() => new Promise<never>(() => undefined));
    const rejecting = checkedStore(() => Promise.reject(new Error('INFO is disabled')));
    const throwing = checkedStore(() => {
      throw new Error('boom');
    });
    for (const { store, checks } of [hanging, rejecting, throwing]) {
      const logger = recordingLogger();
      const engine = new LockEngine({ store, logger });
      await expect(engine.withLock('k', () => 'ran')).resolves.toBe('ran');
      expect(checks()).toBe(1);
      expect(logger.lines).toEqual([]);
      await engine.close();
    }
  });
});
