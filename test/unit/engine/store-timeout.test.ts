import {
  LockEngine,
  LockStoreError,
  MemoryLockStore,
  type LockErrorEvent,
  type LockStore,
} from '../../../src';
import { ScriptedStore, storeOver } from '../../support/scripted-store';

/** Settles `promise` into a mock, so a test can check "not yet" while the clock is fake. */
function watch(promise: Promise<unknown>): jest.Mock<void, [unknown]> {
  const settled = jest.fn<void, [unknown]>();
  promise.then(settled, settled);
  return settled;
}

describe('storeTimeout bounds every store call (fake clock)', () => {
  let inner: MemoryLockStore;
  let store: ScriptedStore;
  let engine: LockEngine;
  const errors: LockErrorEvent[] = [];

  beforeEach(() => {
    jest.useFakeTimers();
    inner = new MemoryLockStore();
    store = new ScriptedStore(inner);
    engine = new LockEngine({ store, storeTimeout: 500 });
    errors.length = 0;
    engine.on('error', (event) => errors.push(event));
  });
  afterEach(async () => {
    store.heal();
    await engine.close();
    jest.useRealTimers();
  });

  /** Run `call` against a hanging `method`: it must fail after `ms` exactly, as a LockStoreError. */
  async function expectBounded(
    method: Parameters<ScriptedStore['hang']>[0],
    call: () => Promise<unknown>,
    message: string,
    ms = 500,
  ): Promise<void> {
    store.hang(method);
    const settled = watch(call());
    await jest.advanceTimersByTimeAsync(ms - 1);
    expect(settled).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    const error = settled.mock.calls[0]?.[0] as LockStoreError;
    expect(error).toBeInstanceOf(LockStoreError);
    expect(error.message).toBe(message);
    store.heal();
  }

  it('inspect, isLocked, forceRelease and claim', async () => {
    await expectBounded(
      'inspect',
      () => engine.inspect('k'),
      'Lock store did not answer within 500 ms (storeTimeout) during inspect of "k".',
    );
    await expectBounded(
      'inspect',
      () => engine.isLocked('k'),
      'Lock store did not answer within 500 ms (storeTimeout) during inspect of "k".',
    );
    await expectBounded(
      'forceRelease',
      () => engine.forceRelease('k'),
      'Lock store did not answer within 500 ms (storeTimeout) during forceRelease of "k".',
    );
    await expectBounded(
      'acquire',
      () => engine.claim('k', { ttl: 60_000 }),
      'Lock store did not answer within 500 ms (storeTimeout) during acquire of "k".',
    );
  });

  it('extend and release of a held lock', async () => {
    const lock = await engine.acquire('k', { autoExtend: false });
    await expectBounded(
      'renew',
      () => lock.extend(60_000),
      'Lock store did not answer within 500 ms (storeTimeout) during renew of "k".',
    );
    await expectBounded(
      'release',
      () => lock.release(),
      'Lock store did not answer within 500 ms (storeTimeout) during release of "k".',
    );
  });

  it('a per-call storeTimeout wins over the engine’s, and bounds that lock’s renewals', async () => {
    await expectBounded(
      'acquire',
      () => engine.tryAcquire('k', { storeTimeout: 1_500 }),
      'Lock store did not answer within 1500 ms (storeTimeout) during acquire of "k".',
      1_500,
    );
    const lock = await engine.acquire('k', { storeTimeout: 1_500, ttl: 30_000 });
    await expectBounded(
      'renew',
      () => lock.extend(),
      'Lock store did not answer within 1500 ms (storeTimeout) during renew of "k".',
      1_500,
    );
  });

  it('scheduled renewals: a hanging batch is an error event after storeTimeout, then retried', async () => {
    const lock = await engine.acquire('k', { ttl: 30_000 });
    store.hang('renewMany');
    await jest.advanceTimersByTimeAsync(10_000);
    expect(store.calls.renewMany).toBe(1);
    await jest.advanceTimersByTimeAsync(500);
    expect(errors.map((e) => [e.operation, e.error.message])).toEqual([
      ['renew', 'Lock store did not answer within 500 ms (storeTimeout) during renew of "k".'],
    ]);
    store.heal();
    // Retried after a quarter of the interval (2.5 s), well before the deadline.
    await jest.advanceTimersByTimeAsync(2_500);
    expect(store.calls.renewMany).toBe(2);
    expect(lock.held).toBe(true);
  });

  it('a fair waiter that gives up is not held by a hanging dequeue', async () => {
    const holder = new LockEngine({ store: inner });
    await holder.acquire('k', { ttl: 60_000 });
    store.hang('dequeue');
    const settled = watch(engine.acquire('k', { fair: true, waitTimeout: 1_000 }));
    await jest.advanceTimersByTimeAsync(1_000 + 499);
    expect(settled).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect((settled.mock.calls[0]?.[0] as Error).name).toBe('LockTimeoutError');
    expect(errors.map((e) => e.operation)).toEqual(['dequeue']);
    await holder.close();
  });

  it('a waiter whose subscription hangs keeps waiting, and gets the lock', async () => {
    const holder = new LockEngine({ store: inner });
    const held = await holder.acquire('k', { ttl: 60_000 });
    store.hang('onRelease');
    const waiting = engine.acquire('k', { waitTimeout: 10_000 });
    await jest.advanceTimersByTimeAsync(500);
    expect(errors.map((e) => [e.operation, e.error.message])).toEqual([
      [
        'subscribe',
        'Lock store did not answer within 500 ms (storeTimeout) during subscribe of "k".',
      ],
    ]);
    await held.release();
    // No notification comes; the backoff (at most 1 s) finds the lock free.
    await jest.advanceTimersByTimeAsync(1_000);
    expect((await waiting).held).toBe(true);
    await holder.close();
  });

  it.each([
    ['an acquire', (engine: LockEngine) => engine.acquire('k', { ttl: 60_000 })],
    ['a claim', (engine: LockEngine) => engine.claim('k', { ttl: 60_000 })],
  ])('%s answered after storeTimeout that won is given back at once', async (_name, call) => {
    let answer: (() => void) | undefined;
    const slow: LockStore = storeOver(inner, {
      acquire: (...args) =>
        new Promise((resolve) => {
          answer = () => resolve(inner.acquire(...args));
        }),
    });
    const late = new LockEngine({ store: slow, storeTimeout: 500 });
    const settled = watch(call(late));
    await jest.advanceTimersByTimeAsync(500);
    expect(settled.mock.calls[0]?.[0]).toBeInstanceOf(LockStoreError);
    answer?.();
    await jest.advanceTimersByTimeAsync(0);
    expect(await inner.inspect('lw:{k}')).toBeNull();
    expect(late.heldCount).toBe(0);
    await late.close();
  });
});
