import { RedisLockStore } from '../../../src';
import { defer } from '../../support/cleanup';
import { CLIENT_KINDS } from '../../support/redis/client-kinds';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';

describeWithLocalRedis(
  'script calls reach Redis in the order they were made, over every client kind (real redis-server)',
  () => {
    const redis = useRedisServer({ perTest: true });

    describe.each(CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('%s', (_name, kind) => {
      /** A store over a client that is connected, so every call goes over its one socket. */
      async function connectedStore(): Promise<RedisLockStore> {
        const client = await kind.connect({ cluster: false, port: redis.port });
        await kind.ping(client);
        const store = new RedisLockStore(client);
        defer(() => store.close());
        return store;
      }

      it('a script used for the first time is not overtaken by a later call of a script Redis knows', async () => {
        const store = await connectedStore();
        // The release script is known to the server; the acquire script is not yet.
        expect(await store.release('lw:{warm}', 'nobody')).toBe(false);
        // Both sent before either answers, as an engine gives back a grant it no longer wants.
        const acquired = store.acquire('lw:{k}', 'owner', 60_000);
        const released = store.release('lw:{k}', 'owner');
        expect((await acquired).acquired).toBe(true);
        expect(await released).toBe(true);
        expect(await redis.raw.exists('lw:{k}')).toBe(0);
      });

      it('keeps working when the server forgot its scripts while the connection stayed open', async () => {
        const store = await connectedStore();
        expect((await store.acquire('lw:{k}', 'a', 60_000)).acquired).toBe(true);
        expect(await store.release('lw:{k}', 'a')).toBe(true);
        await redis.raw.script('FLUSH');
        await redis.raw.config('RESETSTAT');
        expect((await store.acquire('lw:{k}', 'b', 60_000)).acquired).toBe(true);
        expect(await store.release('lw:{k}', 'b')).toBe(true);
        // Both went as EVALSHA (the scripts had gone over the connection) and found them gone.
        expect(await redis.raw.info('errorstats')).toMatch(/errorstat_NOSCRIPT:count=2\b/);
        expect(await redis.raw.exists('lw:{k}')).toBe(0);
      });
    });
  },
);
