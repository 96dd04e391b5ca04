import { RedisLockStore } from '../../../src';
import { defer } from '../../support/cleanup';
import { recordingLogger } from '../../support/recording-logger';
import { waitUntil } from '../../support/wait-until';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer, type RedisHandle } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';

describeWithLocalRedis('warning about an evicting maxmemory-policy (real redis-server)', () => {
  /** An engine on `redis`, with a logger that records what it says. */
  function engineOn(redis: RedisHandle) {
    // No ready check: ioredis' own uses INFO, which one test forbids.
    const store = new RedisLockStore(redis.client({ enableReadyCheck: false }));
    defer(() => store.close());
    const logger = recordingLogger();
    return { engine: useEngines(redis).create({ store, logger }), store, lines: logger.lines };
  }

  describe('allkeys-lru', () => {
    const redis = useRedisServer({ args: ['--maxmemory-policy', 'allkeys-lru'] });

    it('warns once, through the engine’s logger, naming maxmemory-policy and noeviction', async () => {
      const { engine, store, lines } = engineOn(redis);
      expect(lines).toEqual([]);
      await engine.withLock('a', () => undefined);
      await waitUntil('the warning', () => lines.length > 0);
      await engine.withLock('b', () => undefined);
      await engine.isLocked('c');
      await store.checkConfiguration();
      expect(lines).toEqual([
        'lockwarden: Redis maxmemory-policy is "allkeys-lru", so Redis may evict keys, held locks among them, when it reaches maxmemory; another process then takes a lock whose holder still believes it holds it. Set maxmemory-policy to noeviction on the Redis that holds the locks.',
      ]);
    });
  });

  describe('noeviction, or INFO forbidden', () => {
    // A server per test: one test forbids INFO to the default user.
    const redis = useRedisServer({ perTest: true });

    it('says nothing with noeviction (the default)', async () => {
      const { engine, store, lines } = engineOn(redis);
      await engine.withLock('a', () => undefined);
      // The engine asked first; its handler has run once the store's (shared) answer is in.
      expect(await store.checkConfiguration()).toEqual([]);
      expect(lines).toEqual([]);
    });

    it('says nothing when INFO is not allowed, whatever the policy', async () => {
      await redis.raw.config('SET', 'maxmemory-policy', 'volatile-lru');
      await redis.raw.acl('SETUSER', 'default', '-info');
      await expect(redis.raw.info('memory')).rejects.toThrow(/NOPERM/);
      const { engine, store, lines } = engineOn(redis);
      await engine.withLock('a', () => undefined);
      expect(await store.checkConfiguration()).toEqual([]);
      expect(lines).toEqual([]);
    });
  });
});
