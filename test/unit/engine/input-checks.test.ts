import RedisMock from 'ioredis-mock';
import {
  configureLocks,
  Locked,
  LockConfigError,
  LockEngine,
  LockKeyError,
  MemoryLockStore,
  RedisLockStore,
  unregisterLockEngine,
  type RedisClient,
  type WithLockOptions,
} from '../../../src';

const closedMessage = 'LockEngine is closed; create a new engine to take locks.';

describe('new LockEngine checks and copies what it is given', () => {
  it('copies defaults: changing the object afterwards has no effect', async () => {
    // A store clock that stands still, so the ttl it reports is exactly the one it was sent.
    const inner = new MemoryLockStore({ clock: () => 1_000 });
    const defaults: WithLockOptions = { ttl: 5_000, autoExtend: { interval: 1_000 } };
    const engine = new LockEngine({ store: inner, defaults });
    defaults.ttl = -5;
    (defaults.autoExtend as { interval: number }).interval = 10_000;
    const lock = await engine.acquire('k');
    const info = await inner.inspect('lw:{k}');
    expect(info?.ttl).toBe(5_000);
    expect(lock.held).toBe(true);
    await engine.close();
  });

  it.each<[string, unknown, string]>([
    ['an empty object', {}, 'an object'],
    ['a function', () => undefined, 'a function'],
    ['null', null, 'null'],
    ['an object without error()', { warn: () => undefined }, 'an object'],
  ])('refuses a logger that is %s', (_name, logger, got) => {
    expect(() => new LockEngine({ store: new MemoryLockStore(), logger: logger as never })).toThrow(
      new LockConfigError(
        `new LockEngine(): option "logger" must be an object with warn(message) and error(message) functions (console, a Nest Logger, pino, ...), got ${got}.`,
      ),
    );
  });

  it('checks storeTimeout, and refuses two different ones', () => {
    const store = new MemoryLockStore();
    expect(() => new LockEngine({ store, storeTimeout: 0 })).toThrow(
      new LockConfigError(
        'new LockEngine(): option "storeTimeout" must be a positive integer number of milliseconds, got 0.',
      ),
    );
    expect(() => new LockEngine({ store, defaults: { storeTimeout: 1.5 } })).toThrow(
      new LockConfigError(
        'new LockEngine() defaults: option "storeTimeout" must be a positive integer number of milliseconds, got 1.5.',
      ),
    );
    expect(
      () => new LockEngine({ store, storeTimeout: 500, defaults: { storeTimeout: 700 } }),
    ).toThrow(
      new LockConfigError(
        'new LockEngine(): storeTimeout is given twice (500, and 700 in defaults); give it once.',
      ),
    );
    expect(
      () => new LockEngine({ store, storeTimeout: 500, defaults: { storeTimeout: 500 } }),
    ).not.toThrow();
  });
});

describe('engine.claim checks its options', () => {
  const engine = new LockEngine({ store: new MemoryLockStore() });
  afterAll(() => engine.close());

  it.each<[string, unknown, string]>([
    [
      'null',
      null,
      'LockEngine.claim("tick"): options must be an object with the claim\'s ttl ({ ttl: <ms> }), got null.',
    ],
    [
      'undefined',
      undefined,
      'LockEngine.claim("tick"): options must be an object with the claim\'s ttl ({ ttl: <ms> }), got undefined.',
    ],
    ['no ttl', {}, 'LockEngine.claim("tick"): option "ttl" must be given, got undefined.'],
    [
      'a waitTimeout (claims never wait)',
      { ttl: 1_000, waitTimeout: 5 },
      'LockEngine.claim("tick"): unknown option "waitTimeout". Known options: ttl, metadata.',
    ],
    [
      'a bad ttl',
      { ttl: -1 },
      'LockEngine.claim("tick"): option "ttl" must be a positive integer number of milliseconds, got -1.',
    ],
  ])('refuses %s', async (_name, options, message) => {
    await expect(engine.claim('tick', options as never)).rejects.toThrow(
      new LockConfigError(message),
    );
  });
});

describe('a closed engine rejects every call', () => {
  it.each<[string, (engine: LockEngine) => Promise<unknown>]>([
    ['acquire', (e) => e.acquire('k')],
    ['tryAcquire', (e) => e.tryAcquire('k')],
    ['withLock', (e) => e.withLock('k', () => 1)],
    ['claim', (e) => e.claim('k', { ttl: 1_000 })],
    ['inspect', (e) => e.inspect('k')],
    ['isLocked', (e) => e.isLocked('k')],
    ['forceRelease', (e) => e.forceRelease('k')],
  ])('%s', async (name, call) => {
    const store = new MemoryLockStore();
    const engine = new LockEngine({ store });
    await store.acquire('lw:{k}', 'someone', 60_000);
    await engine.close();
    await expect(call(engine)).rejects.toThrow(
      new LockConfigError(`LockEngine.${name}: ${closedMessage}`),
    );
    // Nothing reached the store: the other owner still holds the key.
    expect(await store.inspect('lw:{k}')).not.toBeNull();
  });
});

describe('new RedisLockStore says what to pass', () => {
  const expected = 'new RedisLockStore(): the client must be an ioredis Redis or Cluster instance';
  it.each<[string, unknown, string]>([
    [
      'null',
      null,
      `${expected}, got null. For example: new RedisLockStore(new Redis('redis://localhost:6379')).`,
    ],
    [
      'undefined',
      undefined,
      `${expected}, got undefined. For example: new RedisLockStore(new Redis('redis://localhost:6379')).`,
    ],
    [
      'an options object',
      { host: 'localhost', port: 6379 },
      `${expected}, got an object. To connect with options, create the client yourself: new RedisLockStore(new Redis({ host, port, ... })) or new RedisLockStore(new Cluster(nodes)); the store never opens your connection.`,
    ],
    [
      'a URL',
      'redis://localhost:6379',
      `${expected}, got "redis://localhost:6379". Create the client from the URL yourself: new RedisLockStore(new Redis("redis://localhost:6379")).`,
    ],
  ])('refuses %s', (_name, client, message) => {
    expect(() => new RedisLockStore(client as RedisClient)).toThrow(new LockConfigError(message));
  });

  it('checks its own options', () => {
    const client = new RedisMock() as unknown as RedisClient;
    for (const fenceGrace of [0, -1, 1.5, '60000']) {
      expect(() => new RedisLockStore(client, { fenceGrace: fenceGrace as number })).toThrow(
        new LockConfigError(
          `new RedisLockStore(): option "fenceGrace" must be a positive integer number of milliseconds, got ${typeof fenceGrace === 'string' ? `"${fenceGrace}"` : fenceGrace}.`,
        ),
      );
    }
    expect(() => new RedisLockStore(client, { fence: 5 } as never)).toThrow(
      new LockConfigError(
        'new RedisLockStore(): unknown option "fence". Known options: fenceGrace.',
      ),
    );
    expect(() => new RedisLockStore(client, null as never)).toThrow(
      new LockConfigError(
        'new RedisLockStore(): option "options" must be an object such as { fenceGrace: 60_000 }, got null.',
      ),
    );
    expect(new RedisLockStore(client, { fenceGrace: 1_000 })).toBeInstanceOf(RedisLockStore);
  });
});

describe('keys that are not well-formed UTF-16', () => {
  const engine = new LockEngine({ store: new MemoryLockStore() });
  afterAll(() => engine.close());

  it.each([
    ['acquire', (key: string) => engine.acquire(key)],
    ['tryAcquire', (key: string) => engine.tryAcquire(key)],
    ['withLock', (key: string) => engine.withLock(key, () => 1)],
    ['claim', (key: string) => engine.claim(key, { ttl: 1_000 })],
    ['inspect', (key: string) => engine.inspect(key)],
    ['isLocked', (key: string) => engine.isLocked(key)],
    ['forceRelease', (key: string) => engine.forceRelease(key)],
  ])('are refused by %s with a LockKeyError', async (name, call) => {
    for (const key of ['a\uD800', 'a\uD801', '\uDC00b', 'x\uDBFF\uDBFF']) {
      const error = await call(key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockKeyError);
      expect((error as Error).message).toBe(
        `LockEngine.${name}: the lock key ${JSON.stringify(key)} is not well-formed UTF-16 (it contains a lone surrogate, which Redis would store as U+FFFD, merging it with other keys); build keys from whole characters, or escape raw values with escapeKeyValue().`,
      );
    }
  });

  it('whole characters outside the BMP are fine', async () => {
    await expect(engine.withLock('emoji:😀', () => 'ok')).resolves.toBe('ok');
  });

  it('are refused when a @Locked key function builds one', async () => {
    configureLocks(engine);
    class Uploads {
      @Locked({ key: (name: string) => `upload:${name}` })
      async store(name: string): Promise<string> {
        return name;
      }
      @Locked({ key: 'upload:{0}' })
      async escaped(name: string): Promise<string> {
        return name;
      }
    }
    const uploads = new Uploads();
    const error = await uploads.store('\uD83D').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockKeyError);
    expect((error as Error).message).toMatch(
      /^@Locked on Uploads\.store: the lock key "upload:\\ud83d" is not well-formed UTF-16/,
    );
    // A template escapes the lone surrogate itself (%uD83D), so the call goes through.
    await expect(uploads.escaped('\uD83D')).resolves.toBe('\uD83D');
    unregisterLockEngine('default');
  });
});
