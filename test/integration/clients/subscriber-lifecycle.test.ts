import { setImmediate as nextTurn } from 'node:timers/promises';
import { RedisLockStore, type RedisClient } from '../../../src';
import { freshKey, releaseChannel } from '../../support/client-kind-suite';
import { GLIDE, IOREDIS, NODE_REDIS } from '../../support/redis/client-kinds';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { waitUntil } from '../../support/wait-until';

describeWithLocalRedis('the release subscriber connection', () => {
  const redis = useRedisServer();
  const target = () => ({ cluster: false as const, port: redis.port });
  const subscribers = async (channel: string): Promise<number> =>
    ((await redis.raw.pubsub('NUMSUB', channel)) as [string, number])[1];
  /** Ids of the server's client connections. */
  const connections = async (): Promise<string[]> =>
    ((await redis.raw.client('LIST')) as string)
      .split('\n')
      .filter(Boolean)
      .map((line) => /(?:^| )id=(\d+)/.exec(line)![1]!);

  // redis/ioredis#2037: the ready check's INFO raced the first SUBSCRIBEs of a new connection;
  // the ready check failed (an unhandled rejection) and waiters fell back to polling.
  it('subscribes reliably right after it is opened (ioredis ready check race)', async () => {
    const client = await IOREDIS.connect(target());
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let round = 0; round < 30; round++) {
        const store = new RedisLockStore(client);
        const keys = Array.from({ length: 5 }, () => `lw:{${freshKey('race')}}`);
        const subscribed: Array<Promise<() => void>> = [];
        for (const key of keys) {
          subscribed.push(store.onRelease(key, () => undefined));
          await nextTurn();
        }
        await Promise.all(subscribed);
        for (const key of keys) expect([key, await subscribers(`${key}:rel`)]).toEqual([key, 1]);
        await store.close();
      }
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 30_000);

  it.each([IOREDIS, NODE_REDIS])(
    '$name: is opened by the first listener, kept for the next, closed after the last (linger)',
    async (kind) => {
      const client: RedisClient = await kind.connect(target());
      const store = new RedisLockStore(client);
      const before = await connections();
      const first = freshKey('linger');
      const unsubscribe = await store.onRelease(`lw:{${first}}`, () => undefined);
      const opened = (await connections()).filter((id) => !before.includes(id));
      expect(opened).toHaveLength(1);
      unsubscribe();
      // Within the linger the same connection serves the next wait.
      const second = freshKey('linger');
      const again = await store.onRelease(`lw:{${second}}`, () => undefined);
      expect(await subscribers(releaseChannel(second))).toBe(1);
      expect((await connections()).filter((id) => !before.includes(id))).toEqual(opened);
      again();
      await waitUntil('the subscriber connection to close after its linger', async () =>
        (await connections()).every((id) => !opened.includes(id)),
      );
      await store.close();
    },
  );

  it('GLIDE: the subscriber client is closed after the last listener leaves', async () => {
    const client = await GLIDE.connect(target());
    const store = new RedisLockStore(client);
    const key = freshKey('linger');
    const unsubscribe = await store.onRelease(`lw:{${key}}`, () => undefined);
    expect(await subscribers(releaseChannel(key))).toBe(1);
    const open = (await connections()).length;
    unsubscribe();
    await waitUntil(
      'the GLIDE subscriber client to close',
      async () => (await connections()).length < open,
    );
    expect(await subscribers(releaseChannel(key))).toBe(0);
    await store.close();
  });
});
