import {
  LockConfigError,
  MemoryLockStore,
  type Lock,
  type LockEngine,
  type LockStore,
} from '../../../src';
import { deferred } from '../../support/deferred';
import { storeOver } from '../../support/scripted-store';
import { useEngines } from '../../support/use-engines';
import { waitUntil } from '../../support/wait-until';

const CLOSED = 'LockEngine is closed; create a new engine to take locks.';
const DAY = 86_400_000;

/** Settles to 'pending' if `promise` has not settled once the queued callbacks have run. */
async function state(promise: Promise<unknown>): Promise<unknown> {
  return Promise.race([
    promise.then(
      () => 'resolved',
      (error: unknown) => error,
    ),
    new Promise((resolve) => setImmediate(() => resolve('pending'))),
  ]);
}

describe('LockEngine.close({ timeout })', () => {
  const engines = useEngines();
  let store: MemoryLockStore;
  let engine: LockEngine;

  beforeEach(() => {
    store = new MemoryLockStore();
    engine = engines.create({ store });
  });

  /** A withLock body that runs until `gate` is resolved. */
  async function runningBody(key = 'busy') {
    const gate = deferred();
    let lock: Lock | undefined;
    const call = engine.withLock(key, async (held) => {
      lock = held;
      await gate.promise;
      return 'finished';
    });
    await waitUntil('the body to start', () => lock);
    return { gate, call, lock: lock! };
  }

  it('refuses new calls at once and waits for running bodies, whose locks stay held meanwhile', async () => {
    const { gate, call, lock } = await runningBody();
    expect(engine.runningCount).toBe(1);
    const closing = engine.close({ timeout: 60_000 });
    await expect(engine.tryAcquire('other')).rejects.toThrow(
      new LockConfigError(`LockEngine.tryAcquire: ${CLOSED}`),
    );
    await expect(engine.withLock('other', () => 1)).rejects.toThrow(
      new LockConfigError(`LockEngine.withLock: ${CLOSED}`),
    );
    expect(await state(closing)).toBe('pending');
    expect(lock.held).toBe(true);
    expect(lock.signal.aborted).toBe(false);
    expect(await store.inspect('lw:{busy}')).not.toBeNull();

    gate.resolve();
    expect(await call).toBe('finished');
    await closing;
    expect(await store.inspect('lw:{busy}')).toBeNull();
    expect(engine.runningCount).toBe(0);
  });

  it('after the timeout, releases what is still held; the body is told through its signal', async () => {
    const { gate, call, lock } = await runningBody();
    await engine.close({ timeout: 50 });
    // The body has not finished (its gate is still shut), but its lock is gone.
    expect(await state(call)).toBe('pending');
    expect(engine.runningCount).toBe(1);
    expect(lock.held).toBe(false);
    expect(lock.signal.aborted).toBe(true);
    expect(await store.inspect('lw:{busy}')).toBeNull();
    gate.resolve();
    expect(await call).toBe('finished');
    expect(engine.runningCount).toBe(0);
  });

  it('lets a running body still take locks (nested calls), and rejects outside waiters at once', async () => {
    const holder = engines.create({ store });
    const held = await holder.acquire('contended', { ttl: 60_000 });
    const outsideWait = engine
      .acquire('contended', { waitTimeout: 60_000 })
      .catch((e: unknown) => e);
    const gate = deferred();
    const nested: unknown[] = [];
    const body = engine.withLock('outer', async () => {
      await gate.promise;
      // Made after close began, from inside the body: admitted.
      nested.push(await engine.withLock('inner', () => 'inner ran'));
      nested.push(await engine.isLocked('outer'));
      const waited = await engine.acquire('contended', { waitTimeout: 60_000 });
      nested.push(waited.held);
      await waited.release();
    });
    await waitUntil('the body to run', () => engine.runningCount === 1);
    const closing = engine.close({ timeout: 60_000 });
    expect(await outsideWait).toEqual(new LockConfigError(CLOSED));
    gate.resolve();
    // The nested wait goes on while the body may still run; it gets the lock once freed.
    await waitUntil('the nested wait', () => nested.length === 2);
    await held.release();
    await body;
    await closing;
    expect(nested).toEqual(['inner ran', true, true]);
  });

  it('never closes the store (whoever created it closes it), and a second close waits for the first', async () => {
    let closedStore = 0;
    const spied: LockStore = storeOver(store, {
      close: () => {
        closedStore += 1;
        return store.close();
      },
    });
    const own = engines.create({ store: spied });
    const { gate } = await runningBodyOn(own);
    const first = own.close({ timeout: 60_000 });
    const second = own.close();
    expect(await state(second)).toBe('pending');
    gate.resolve();
    await Promise.all([first, second]);
    expect(closedStore).toBe(0);
  });

  it('checks its options', async () => {
    await expect(engine.close({ timeout: -1 })).rejects.toThrow(
      new LockConfigError(
        'LockEngine.close: option "timeout" must be an integer number of milliseconds >= 0, got -1.',
      ),
    );
    await expect(engine.close({ timeout: 5, wait: true } as never)).rejects.toThrow(
      new LockConfigError('LockEngine.close: unknown option "wait". Known options: timeout.'),
    );
    // A refused close closed nothing.
    await expect(engine.withLock('k', () => 'open')).resolves.toBe('open');
  });

  async function runningBodyOn(on: LockEngine) {
    const gate = deferred();
    let started = false;
    const call = on.withLock('k', async () => {
      started = true;
      await gate.promise;
    });
    await waitUntil('the body to start', () => started);
    return { gate, call };
  }
});

describe('LockEngine.close with a timeout beyond Node’s timer limit (fake clock)', () => {
  const engines = useEngines();

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('waits 30 days for a running body, with no timer beyond 2^31 − 1 ms', async () => {
    jest.useFakeTimers();
    const timers = jest.spyOn(global, 'setTimeout');
    const engine = engines.create({ store: new MemoryLockStore() });
    const gate = deferred();
    const body = engine.withLock('k', () => gate.promise, { ttl: 60 * DAY, autoExtend: false });
    await jest.advanceTimersByTimeAsync(0);
    const closed = jest.fn();
    const closing = engine.close({ timeout: 30 * DAY }).then(closed);
    await jest.advanceTimersByTimeAsync(29 * DAY);
    expect(closed).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(DAY);
    await closing;
    expect(closed).toHaveBeenCalled();
    expect(Math.max(...timers.mock.calls.map((call) => Number(call[1] ?? 0)))).toBeLessThanOrEqual(
      2 ** 31 - 1,
    );
    gate.resolve();
    await body;
  });
});
