import { LockConfigError, LockEngine, LockError, MemoryLockStore } from '../../../src';

const engine = new LockEngine({ store: new MemoryLockStore() });
afterAll(() => engine.close());

const acquireCases: Array<[string, Record<string, unknown>, string]> = [
  ['ttl 0', { ttl: 0 }, 'option "ttl" must be a positive integer number of milliseconds, got 0.'],
  [
    'negative ttl',
    { ttl: -1 },
    'option "ttl" must be a positive integer number of milliseconds, got -1.',
  ],
  [
    'NaN ttl',
    { ttl: NaN },
    'option "ttl" must be a positive integer number of milliseconds, got NaN.',
  ],
  [
    'fractional ttl',
    { ttl: 1.5 },
    'option "ttl" must be a positive integer number of milliseconds, got 1.5.',
  ],
  [
    'string ttl',
    { ttl: '100' },
    'option "ttl" must be a positive integer number of milliseconds, got "100".',
  ],
  [
    'Infinity ttl',
    { ttl: Infinity },
    'option "ttl" must be a positive integer number of milliseconds, got Infinity.',
  ],
  [
    'negative waitTimeout',
    { waitTimeout: -1 },
    'option "waitTimeout" must be an integer number of milliseconds >= 0, got -1.',
  ],
  [
    'NaN waitTimeout',
    { waitTimeout: NaN },
    'option "waitTimeout" must be an integer number of milliseconds >= 0, got NaN.',
  ],
  [
    'negative retryCount',
    { retryCount: -1 },
    'option "retryCount" must be an integer >= 0, got -1.',
  ],
  [
    'fractional retryCount',
    { retryCount: 0.5 },
    'option "retryCount" must be an integer >= 0, got 0.5.',
  ],
  [
    'retryDelay 0',
    { retryDelay: 0 },
    'option "retryDelay" must be a positive integer number of milliseconds, got 0.',
  ],
  [
    'autoExtend string',
    { autoExtend: 'yes' },
    'option "autoExtend" must be true, false or { interval: <positive integer ms> }, got "yes".',
  ],
  [
    'autoExtend interval 0',
    { autoExtend: { interval: 0 } },
    'option "autoExtend" must be true, false or { interval: <positive integer ms> }, got an object.',
  ],
  [
    'autoExtend interval >= ttl',
    { ttl: 1000, autoExtend: { interval: 1000 } },
    'option "autoExtend.interval" must be less than ttl (1000 ms) so the lock is renewed before it expires, got 1000.',
  ],
  [
    'onBusy skip on acquire',
    { onBusy: 'skip' },
    'option "onBusy" must be one of \'wait\', \'throw\', got "skip".',
  ],
  ['signal not a signal', { signal: {} }, 'option "signal" must be an AbortSignal, got an object.'],
  [
    'metadata too long',
    { metadata: 'x'.repeat(1025) },
    `option "metadata" must be a string of at most 1024 bytes, got "${'x'.repeat(40)}"… (1025 characters).`,
  ],
  [
    'unknown option',
    { timeout: 5 },
    'unknown option "timeout". Known options: ttl, waitTimeout, retryCount, retryDelay, autoExtend, onBusy, signal, metadata, fair, onStoreError, storeTimeout.',
  ],
  [
    'onStoreError',
    { onStoreError: 'ignore' },
    `option "onStoreError" must be 'throw' or 'run', got "ignore".`,
  ],
];

describe('option validation (exact messages)', () => {
  it.each(acquireCases)('acquire rejects %s', async (_name, options, message) => {
    const error = await engine.acquire('orders:42', options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockConfigError);
    expect(error).toBeInstanceOf(LockError);
    expect((error as LockConfigError).code).toBe('LOCK_CONFIG');
    expect((error as Error).message).toBe(`LockEngine.acquire("orders:42"): ${message}`);
  });

  it('withLock accepts onBusy skip but names itself in messages', async () => {
    await expect(engine.withLock('k', () => 1, { ttl: -5 })).rejects.toThrow(
      new LockConfigError(
        'LockEngine.withLock("k"): option "ttl" must be a positive integer number of milliseconds, got -5.',
      ),
    );
    await expect(engine.withLock('k', () => 1, { onBusy: 'skip' })).resolves.toBe(1);
    await expect(engine.tryAcquire('k', { waitTimeout: -1 })).rejects.toThrow(
      'LockEngine.tryAcquire("k"): option "waitTimeout" must be an integer number of milliseconds >= 0, got -1.',
    );
  });

  it('rejects empty, non-string and over-long keys', async () => {
    await expect(engine.acquire('')).rejects.toThrow(
      new LockConfigError('LockEngine.acquire: the lock key must be a non-empty string, got "".'),
    );
    await expect(engine.acquire(42 as unknown as string)).rejects.toThrow(
      new LockConfigError('LockEngine.acquire: the lock key must be a non-empty string, got 42.'),
    );
    const long = 'é'.repeat(513);
    await expect(engine.withLock(long, () => 1)).rejects.toThrow(
      new LockConfigError(
        `LockEngine.withLock: the lock key "${'é'.repeat(40)}…" is 1026 bytes; keys are limited to 1024 bytes (hash long identifiers into the key).`,
      ),
    );
    await expect(engine.acquire('k'.repeat(1024))).resolves.toBeDefined();
    await expect(engine.inspect('')).rejects.toThrow(
      'LockEngine.inspect: the lock key must be a non-empty string, got "".',
    );
    await expect(engine.forceRelease('')).rejects.toThrow(
      'LockEngine.forceRelease: the lock key must be a non-empty string, got "".',
    );
  });

  it('checks engine options at construction', () => {
    const store = new MemoryLockStore();
    expect(() => new LockEngine({} as never)).toThrow(
      new LockConfigError(
        'new LockEngine(): option "store" must be a LockStore (a RedisLockStore, a MemoryLockStore, or an object with acquire, renew, release, inspect and forceRelease), got undefined.',
      ),
    );
    expect(() => new LockEngine({ store, prefix: 'a{b}' })).toThrow(
      new LockConfigError(
        'new LockEngine(): option "prefix" must be a string of at most 128 bytes without "{" or "}", got "a{b}".',
      ),
    );
    expect(() => new LockEngine({ store, onStoreError: 'skip' as never })).toThrow(
      new LockConfigError(
        `new LockEngine(): option "onStoreError" must be 'throw' or 'run', got "skip".`,
      ),
    );
    expect(() => new LockEngine({ store, ttl: 5 } as never)).toThrow(
      new LockConfigError(
        'new LockEngine(): unknown option "ttl". Known options: store, prefix, defaults, onStoreError, logger, storeTimeout.',
      ),
    );
    expect(() => new LockEngine({ store, defaults: { ttl: 0 } })).toThrow(
      new LockConfigError(
        'new LockEngine() defaults: option "ttl" must be a positive integer number of milliseconds, got 0.',
      ),
    );
  });

  it('checks autoExtend.interval against a ttl inherited from the engine defaults', async () => {
    const e = new LockEngine({ store: new MemoryLockStore(), defaults: { ttl: 500 } });
    await expect(e.acquire('k', { autoExtend: { interval: 600 } })).rejects.toThrow(
      new LockConfigError(
        'LockEngine.acquire("k"): option "autoExtend.interval" must be less than ttl (500 ms) so the lock is renewed before it expires, got 600.',
      ),
    );
    await e.close();
  });

  it('checks extend ttl', async () => {
    const lock = await engine.acquire('ext');
    await expect(lock.extend(0)).rejects.toThrow(
      new LockConfigError(
        'lock.extend("ext"): ttl must be a positive integer number of milliseconds, got 0.',
      ),
    );
    await lock.release();
  });
});
