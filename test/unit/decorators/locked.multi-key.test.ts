import { setImmediate as tick } from 'node:timers/promises';
import {
  configureLocks,
  currentLock,
  Locked,
  LockEngine,
  LockKeyError,
  MemoryLockStore,
  unregisterLockEngine,
} from '../../../src';
import { rejectionOf } from '../../support/thrown-by';

let store: MemoryLockStore;
let engine: LockEngine;

beforeEach(() => {
  store = new MemoryLockStore();
  engine = new LockEngine({ store });
  configureLocks(engine);
});

afterEach(async () => {
  unregisterLockEngine('default');
  await engine.close();
});

describe('@Locked with a key function returning a list of keys', () => {
  class Accounts {
    balances = new Map<string, number>([
      ['a', 100],
      ['b', 100],
    ]);
    log: string[] = [];

    @Locked({ key: (from: string, to: string) => [`account:${from}`, `account:${to}`] })
    async transfer(from: string, to: string, amount: number): Promise<readonly string[]> {
      const lock = currentLock()!;
      this.log.push(`enter ${from}->${to}`);
      // Read, yield, write: two transfers over one account would lose an update unlocked.
      const [a, b] = [this.balances.get(from)!, this.balances.get(to)!];
      await tick();
      await tick();
      this.balances.set(from, a - amount);
      this.balances.set(to, (from === to ? a - amount : b) + amount);
      this.log.push(`exit ${from}->${to}`);
      return lock.keys;
    }
  }

  it('holds every key while the method runs, and none after', async () => {
    const accounts = new Accounts();
    const keys = await accounts.transfer('b', 'a', 10);
    expect(keys).toEqual(['account:a', 'account:b']);
    expect(await engine.isLocked('account:a')).toBe(false);
    expect(await engine.isLocked('account:b')).toBe(false);
  });

  it('serializes calls sharing any key, whatever their order (no lost update, no deadlock)', async () => {
    const accounts = new Accounts();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 ? accounts.transfer('a', 'b', 1) : accounts.transfer('b', 'a', 2),
      ),
    );
    expect(accounts.balances.get('a')! + accounts.balances.get('b')!).toBe(200);
    expect(accounts.balances.get('a')).toBe(100 + 10 * 2 - 10 * 1);
    // Sections never interleave.
    for (let i = 0; i < accounts.log.length; i += 2) {
      expect(accounts.log[i]!.startsWith('enter')).toBe(true);
      expect(accounts.log[i + 1]).toBe(accounts.log[i]!.replace('enter', 'exit'));
    }
  });

  it('a key given twice is one key', async () => {
    const accounts = new Accounts();
    expect(await accounts.transfer('a', 'a', 5)).toEqual(['account:a']);
    expect(accounts.balances.get('a')).toBe(100);
  });

  it('rejects with LockKeyError naming the method when the list is empty or holds a bad key', async () => {
    let ran = false;
    class Jobs {
      @Locked({ key: (keys: unknown) => keys as string[] })
      async run(keys: unknown): Promise<void> {
        ran = true;
        void keys;
      }
    }
    const jobs = new Jobs();
    const empty = await rejectionOf(jobs.run([]));
    expect(empty).toBeInstanceOf(LockKeyError);
    expect(empty.message).toBe(
      '@Locked on Jobs.run: the key function returned an empty list; return a non-empty string or a non-empty list of keys.',
    );
    const bad = await rejectionOf(jobs.run(['ok', 7]));
    expect(bad).toBeInstanceOf(LockKeyError);
    expect(bad.message).toBe(
      '@Locked on Jobs.run: every lock key in the list must be a non-empty string, got 7 at index 1.',
    );
    const lone = await rejectionOf(jobs.run(['ok', 'a\uD800']));
    expect(lone).toBeInstanceOf(LockKeyError);
    expect(lone.message).toContain(
      '@Locked on Jobs.run: the lock key "a\\ud800" is not well-formed UTF-16',
    );
    const notKeys = await rejectionOf(jobs.run(new Set(['a'])));
    expect(notKeys.message).toBe(
      '@Locked on Jobs.run: the key function must return a non-empty string or a list of keys, got an object.',
    );
    expect(ran).toBe(false);
    expect(await engine.isLocked('ok')).toBe(false);
  });
});
