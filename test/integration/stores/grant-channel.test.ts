import type Redis from 'ioredis';
import { RedisLockStore, type StoreGrant } from '../../../src';
import { defer } from '../../support/cleanup';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { waitUntil } from '../../support/wait-until';

const KEY = 'lw:{granted}';
const RELEASE_CHANNEL = `${KEY}:rel`;
/** Published on the shared release channel after the step under test: all before it is in. */
const MARKER = 'marker-no-waiter-has-this-token';

/** What one store's listener of `KEY` heard, in order. */
async function listen(
  store: RedisLockStore,
): Promise<Array<{ next?: string; grant?: StoreGrant }>> {
  const heard: Array<{ next?: string; grant?: StoreGrant }> = [];
  const unsubscribe = await store.onRelease(KEY, (next, grant) =>
    heard.push(grant ? { next, grant } : { next }),
  );
  defer(unsubscribe);
  return heard;
}

/** Every message published on the lock's channels (`<key>:rel` and below), in order. */
async function tap(subscriber: Redis): Promise<Array<[string, string]>> {
  const seen: Array<[string, string]> = [];
  subscriber.on('pmessage', (_pattern: string, channel: string, message: string) =>
    seen.push([channel, message]),
  );
  await subscriber.psubscribe(`${RELEASE_CHANNEL}*`);
  return seen;
}

/**
 * A grant is announced only where the granted waiter's store listens: its own channel of the
 * lock, or nowhere when that store made the release (the reply carries it). Plain release
 * notices stay on the shared channel every waiting store hears. Non-arrival is checked by order:
 * a marker published on the shared channel after the step reaches every subscriber after
 * anything the step published.
 */
describeWithLocalRedis('grants go to the granted waiter’s store only (real redis-server)', () => {
  const redis = useRedisServer({ perTest: true });

  function stores(n: number): RedisLockStore[] {
    return Array.from({ length: n }, () => {
      const store = new RedisLockStore(redis.client());
      defer(() => store.close());
      return store;
    });
  }

  async function marked(
    heard: ReadonlyArray<ReadonlyArray<{ next?: string }>>,
    seen: Array<[string, string]>,
  ) {
    await redis.raw.publish(RELEASE_CHANNEL, MARKER);
    await waitUntil('the marker to reach every listener', () =>
      [...heard, seen.map(([, message]) => ({ next: message }))].every((list) =>
        list.some((entry) => entry.next === MARKER),
      ),
    );
  }

  it("a grant goes to the waiter's store channel; a third store hears nothing", async () => {
    const [releaser, waiterStore, bystander] = stores(3);
    const seen = await tap(redis.client());
    const [heardByWaiter, heardByBystander] = [
      await listen(waiterStore!),
      await listen(bystander!),
    ];

    expect((await releaser!.acquire(KEY, 'holder', 30_000)).acquired).toBe(true);
    // The bystander waits too (queued behind the waiter), as another process would.
    expect((await waiterStore!.acquire(KEY, 'waiter', 30_000, { fair: true })).acquired).toBe(
      false,
    );
    expect((await bystander!.acquire(KEY, 'later', 30_000, { fair: true })).acquired).toBe(false);
    expect(await releaser!.release(KEY, 'holder')).toBe(true);
    await waitUntil('the waiter’s store to hear its grant', () => heardByWaiter.length > 0);
    await marked([heardByWaiter, heardByBystander], seen);

    expect(heardByWaiter[0]).toEqual({
      next: 'waiter',
      grant: expect.objectContaining({ fence: expect.any(Number) as number }) as StoreGrant,
    });
    expect(heardByBystander).toEqual([{ next: MARKER }]);
    // One message for the grant, on a channel of the lock that is not the shared one.
    expect(seen).toHaveLength(2);
    const [channel] = seen[0]!;
    expect(channel.startsWith(`${RELEASE_CHANNEL}:`)).toBe(true);
    expect(await redis.raw.hget(KEY, 'o')).toBe('waiter');
  });

  it('a grant to a waiter of the releasing store is not published (the reply has it)', async () => {
    const [store, bystander] = stores(2);
    const seen = await tap(redis.client());
    const [heardByStore, heardByBystander] = [await listen(store!), await listen(bystander!)];

    expect((await store!.acquire(KEY, 'holder', 30_000)).acquired).toBe(true);
    expect((await store!.acquire(KEY, 'waiter', 30_000, { fair: true })).acquired).toBe(false);
    expect(await store!.release(KEY, 'holder')).toBe(true);
    // Heard with the release's reply, before it resolved.
    expect(heardByStore).toHaveLength(1);
    expect(heardByStore[0]!.next).toBe('waiter');
    await marked([heardByStore, heardByBystander], seen);

    expect(heardByStore.map((entry) => entry.next)).toEqual(['waiter', MARKER]);
    expect(heardByBystander).toEqual([{ next: MARKER }]);
    expect(seen).toEqual([[RELEASE_CHANNEL, MARKER]]);
  });

  it("a waiter's giving up grants the next waiter on that waiter's store channel", async () => {
    const [holderStore, leaving, waiterStore] = stores(3);
    const seen = await tap(redis.client());
    const heardByWaiter = await listen(waiterStore!);
    const heardByHolderStore = await listen(holderStore!);

    expect((await holderStore!.acquire(KEY, 'holder', 30_000)).acquired).toBe(true);
    expect((await leaving!.acquire(KEY, 'first', 30_000, { fair: true })).acquired).toBe(false);
    expect((await waiterStore!.acquire(KEY, 'second', 30_000, { fair: true })).acquired).toBe(
      false,
    );
    // The release grants the first waiter (another store: its own channel), who gives up: the
    // dequeue releases that grant and grants the second waiter on the second store's channel.
    expect(await holderStore!.release(KEY, 'holder')).toBe(true);
    expect(await leaving!.dequeue(KEY, 'first')).toBe(true);
    await waitUntil('the second waiter’s grant', () => heardByWaiter.length > 0);
    await marked([heardByWaiter, heardByHolderStore], seen);

    expect(heardByWaiter[0]!.next).toBe('second');
    // Neither grant was for the holder's store: its release's reply did not hand it the first.
    expect(heardByHolderStore).toEqual([{ next: MARKER }]);
    const channels = seen.map(([channel]) => channel);
    expect(channels).toHaveLength(3);
    expect(channels[0]).not.toBe(channels[1]);
    expect(channels.slice(0, 2).every((c) => c.startsWith(`${RELEASE_CHANNEL}:`))).toBe(true);
    expect(await redis.raw.hget(KEY, 'o')).toBe('second');
  });

  it('a plain release notice stays on the shared channel', async () => {
    const [store, other] = stores(2);
    const heard = await listen(other!);
    expect((await store!.acquire(KEY, 'holder', 30_000)).acquired).toBe(true);
    expect(await store!.release(KEY, 'holder')).toBe(true);
    await waitUntil('the notice', () => heard.length > 0);
    expect(heard[0]).toEqual({ next: undefined });
  });
});
