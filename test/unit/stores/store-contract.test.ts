import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MemoryLockStore } from '../../../src';
import { lockStoreContract, type StoreContractOptions } from '../../../src/testing';
import { storeOver } from '../../support/scripted-store';

/** The cases over a store with only the five required operations. */
function bareCases(options: StoreContractOptions = {}) {
  return lockStoreContract(() => ({ store: storeOver(new MemoryLockStore()) }), options);
}

describe('lockStoreContract itself', () => {
  it('fails a store that lacks a capability the suite was told it has', async () => {
    const fairness = bareCases().find((c) => c.name.startsWith('gives a free lock to the head'));
    await expect(fairness!.run()).rejects.toThrow(
      'the store has no dequeue() although the suite was told it supports "fair" (pass supports: { fair: false } if it does not)',
    );
  });

  it('leaves out what a store disclaims, and the rest passes for a bare store', async () => {
    const cases = bareCases({
      supports: { renewMany: false, onRelease: false, fair: false },
      shortTtl: 30,
    });
    const names = cases.map((c) => c.name);
    expect(names).not.toContain('renews a batch with one result per entry');
    expect(names).not.toContain('notifies release listeners on release and force-release only');
    expect(names.some((name) => name.includes('queue'))).toBe(false);
    expect(names).toContain('gives a key to exactly one of 50 concurrent owners');
    // Cases are plain functions: a loop runs them without any test runner.
    for (const c of cases) await c.run();
  });

  it('fails a store that breaks the contract', async () => {
    const inner = new MemoryLockStore();
    // Renews for anyone: the owner check is gone.
    const careless = storeOver(inner, { renew: (key, _owner, ttl) => inner.renew(key, '', ttl) });
    const renews = lockStoreContract(() => ({ store: careless })).find(
      (c) => c.name === 'renews only for the owner',
    );
    await expect(renews!.run()).rejects.toThrow();
  });

  it('runs under node:test as it is (no test-runner globals)', async () => {
    const root = join(__dirname, '../../..');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        // TAP: the default reporter of a file run directly is TAP on Node 20, spec from Node 23.
        '--test-reporter=tap',
        'test/unit/stores/memory-lock-store.contract.node-test.ts',
      ],
      { cwd: root },
    );
    const count = (name: string): number =>
      Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(stdout)?.[1]);
    const expected = lockStoreContract(() => ({ store: new MemoryLockStore() }), {
      supports: { grant: true, successor: true },
    }).length;
    expect({ tests: count('tests'), pass: count('pass'), fail: count('fail') }).toEqual({
      tests: expected,
      pass: expected,
      fail: 0,
    });
  }, 60_000);
});
