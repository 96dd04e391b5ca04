import { LockEngine, RedisLockStore } from '../../../src';
import { recordingLogger } from '../../support/recording-logger';
import { waitUntil } from '../../support/wait-until';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { startRedis, type RedisServer } from '../../support/redis/redis-server';

describeWithRedis('warning about an evicting maxmemory-policy (real redis-server)', () => {
  const servers: RedisServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  async function engineOn(
    args: string[],
    prepare?: (server: RedisServer) => Promise<void>,
  ): Promise<{ engine: LockEngine; store: RedisLockStore; lines: string[] }> {
    const server = await startRedis(args);
    servers.push(server);
    await prepare?.(server);
    // No ready check: ioredis' own uses INFO, which one test forbids.
    const store = new RedisLockStore(server.client({ enableReadyCheck: false }));
    const logger = recordingLogger();
    return { engine: new LockEngine({ store, logger }), store, lines: logger.lines };
  }

  it('warns once, through the engine’s logger, naming maxmemory-policy and noeviction', async () => {
    const { engine, store, lines } = await engineOn(['--maxmemory-policy', 'allkeys-lru']);
    expect(lines).toEqual([]);
    await engine.withLock('a', () => undefined);
    await waitUntil('the warning', () => lines.length > 0);
    await engine.withLock('b', () => undefined);
    await engine.isLocked('c');
    await store.checkConfiguration();
    expect(lines).toEqual([
      'lockwarden: Redis maxmemory-policy is "allkeys-lru", so Redis may evict keys, held locks among them, when it reaches maxmemory; another process then takes a lock whose holder still believes it holds it. Set maxmemory-policy to noeviction on the Redis that holds the locks.',
    ]);
    await engine.close();
  });

  it('says nothing with noeviction (the default), or when INFO is not allowed', async () => {
    const forbidInfo = async (server: RedisServer): Promise<void> => {
      const admin = server.client();
      await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
      await admin.acl('SETUSER', 'default', '-info');
      await expect(admin.info('memory')).rejects.toThrow(/NOPERM/);
    };
    for (const prepare of [undefined, forbidInfo]) {
      const { engine, store, lines } = await engineOn([], prepare);
      await engine.withLock('a', () => undefined);
      // The engine asked first; its handler has run once the store's (shared) answer is in.
      expect(await store.checkConfiguration()).toEqual([]);
      expect(lines).toEqual([]);
      await engine.close();
    }
  });
});
