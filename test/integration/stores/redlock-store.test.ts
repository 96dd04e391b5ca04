import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import type Redis from 'ioredis';
import {
  LockBusyError,
  LockStoreError,
  LockTimeoutError,
  RedisLockStore,
  RedlockStore,
  type RedlockStoreOptions,
} from '../../../src';
import { defer } from '../../support/cleanup';
import { nextEvent } from '../../support/next-event';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { startRedisMasters, type RedisMasters } from '../../support/redis/redis-masters';
import { useEngines } from '../../support/use-engines';
import { waitUntil } from '../../support/wait-until';

const token = (): string => randomBytes(16).toString('base64url');

/** The masters' pids must be gone or stopped; these tests start their own 5 each. */
describeWithLocalRedis('RedlockStore when nodes fail, pause or disagree (5 real masters)', () => {
  const engines = useEngines();
  let masters: RedisMasters;
  let clients: Redis[];

  beforeEach(async () => {
    masters = await startRedisMasters(5);
    clients = masters.clients();
  });

  function redlock(options: RedlockStoreOptions = {}, nodes: readonly Redis[] = clients) {
    const store = new RedlockStore(nodes, options);
    defer(() => store.close());
    return store;
  }

  /** `node 3 (127.0.0.1:40123)`, as the store names master 3. */
  const nodeName = (index: number): string =>
    `node ${index} (127.0.0.1:${masters.servers[index]!.port})`;

  /**
   * Who holds `lw:{key}` on each of these live masters: its owner token, or null. A grant given
   * back (renewed to 1 ms) counts as free.
   */
  async function ownersOnNodes(key: string, indexes = [0, 1, 2, 3, 4]): Promise<unknown[]> {
    return Promise.all(
      indexes.map(async (i) => {
        const [[, owner], [, pttl]] = (await clients[i]!.multi()
          .hget(`lw:{${key}}`, 'o')
          .pttl(`lw:{${key}}`)
          .exec()) as [[null, string | null], [null, number]];
        return pttl > 1 ? owner : null;
      }),
    );
  }

  /** Another owner takes `key` on some masters only, straight through one node's store. */
  async function holdOnNodes(key: string, indexes: number[], ttl = 60_000): Promise<string> {
    const other = token();
    for (const i of indexes) {
      const node = new RedisLockStore(clients[i]!);
      expect(await node.acquire(`lw:{${key}}`, other, ttl)).toMatchObject({ acquired: true });
    }
    return other;
  }

  it('keeps working with 2 of 5 nodes down: acquire, renewals, inspect, release', async () => {
    await masters.kill(1);
    await masters.kill(3);
    const engine = engines.create({
      store: redlock({}, masters.clients({ maxRetriesPerRequest: 1 })),
    });

    // A renewal every ttl / 3; the lease survives a stall of the test's process of a second or so
    // (its renewal settles once the 3 live nodes answer, without waiting for the 2 down).
    const lock = await engine.acquire('orders:2-down', { ttl: 2_000 });
    expect(await ownersOnNodes('orders:2-down', [0, 2, 4])).toEqual([
      lock.token,
      lock.token,
      lock.token,
    ]);
    // Renewed (every ttl / 3) on the 3 live nodes, past the first ttl.
    let extended = 0;
    engine.on('extended', () => (extended += 1));
    while (extended < 4) await nextEvent(engine, 'extended', 5_000);
    expect(lock.held).toBe(true);
    expect(lock.signal.aborted).toBe(false);
    const info = await engine.inspect('orders:2-down');
    expect(info).toMatchObject({ fence: lock.fence, holds: 1 });

    expect(await lock.release()).toBe(true);
    expect(await ownersOnNodes('orders:2-down', [0, 2, 4])).toEqual([null, null, null]);
    expect(await engine.isLocked('orders:2-down')).toBe(false);
  });

  it('fails with a LockStoreError naming the 3 failed nodes when 3 of 5 are down (not busy, not a wait)', async () => {
    await Promise.all([masters.kill(0), masters.kill(2), masters.kill(4)]);
    const engine = engines.create({ store: redlock() });

    const error = await engine
      .acquire('orders:3-down', { waitTimeout: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockStoreError);
    const message = (error as Error).message;
    expect(message).toContain('needs 3 of 5 nodes, but 3 nodes failed');
    for (const i of [0, 2, 4]) expect(message).toContain(nodeName(i));
    for (const i of [1, 3]) expect(message).not.toContain(nodeName(i));
    // Nothing stays locked on the nodes that answered.
    expect(await ownersOnNodes('orders:3-down', [1, 3])).toEqual([null, null]);
    await expect(engine.inspect('orders:3-down')).rejects.toBeInstanceOf(LockStoreError);
  });

  it('completes an acquire while one node is SIGSTOPped, before it is resumed; the late grant is released there', async () => {
    const engine = engines.create({ store: redlock({ nodeTimeout: 300 }) });
    await masters.pause(2);
    const order: string[] = [];
    const acquiring = engine.acquire('orders:paused', { ttl: 10_000 }).then((lock) => {
      order.push('acquired');
      return lock;
    });
    // Generous bound: without the per-node timeout the acquire would wait for the paused node.
    // Not ref'd: it outlives the test, and must not keep Jest's worker from exiting.
    await Promise.race([acquiring, sleep(10_000, undefined, { ref: false })]);
    order.push('resumed');
    await masters.resume(2);
    const lock = await acquiring;
    expect(order).toEqual(['acquired', 'resumed']);
    expect(await ownersOnNodes('orders:paused', [0, 1, 3, 4])).toEqual(Array(4).fill(lock.token));

    expect(await lock.release()).toBe(true);
    // The paused node ran the acquire late, then the release behind it on the same connection.
    expect(await ownersOnNodes('orders:paused')).toEqual(Array(5).fill(null));
  });

  it('settles a batch of renewals once a quorum answers, while 2 of 5 nodes are SIGSTOPped', async () => {
    // nodeTimeout far beyond the test: a batch that waited for every node would wait for these.
    const store = redlock({ nodeTimeout: 600_000 });
    const owner = token();
    const keys = ['lw:{orders:renew-a}', 'lw:{orders:renew-b}'];
    for (const key of keys)
      expect(await store.acquire(key, owner, 2_000)).toMatchObject({ acquired: true });
    await masters.pause(1);
    await masters.pause(3);
    const order: string[] = [];
    const renewing = store
      .renewMany([
        ...keys.map((key) => ({ key, owner, ttl: 60_000 })),
        { key: 'lw:{orders:renew-never-held}', owner, ttl: 60_000 },
      ])
      .then((results) => {
        order.push('renewed');
        return results;
      });
    // Not ref'd: it outlives the test, and must not keep Jest's worker from exiting.
    await Promise.race([renewing, sleep(10_000, undefined, { ref: false })]);
    order.push('resumed');
    await masters.resume(1);
    await masters.resume(3);
    expect(order).toEqual(['renewed', 'resumed']);
    expect(await renewing).toEqual([true, true, false]);
    for (const key of keys) {
      const pttls = await Promise.all([0, 2, 4].map((i) => clients[i]!.pttl(key)));
      for (const pttl of pttls) expect(pttl).toBeGreaterThan(2_000);
    }
  });

  it('reports a lock held by others on a quorum as busy (LockBusyError, LockTimeoutError), never a store error, with a node down', async () => {
    await masters.kill(4);
    // Clients that give up on a down node at once (its commands fail instead of waiting for
    // nodeTimeout, and closing its subscriber does not wait for ioredis' 20 reconnections).
    const failFast = masters.clients({ maxRetriesPerRequest: 1 });
    const holder = engines.create({ store: redlock({}, failFast) });
    const waiter = engines.create({ store: redlock({}, failFast) });
    const held = await holder.acquire('orders:busy', { ttl: 10_000 });

    expect(await waiter.tryAcquire('orders:busy')).toBeNull();
    await expect(waiter.acquire('orders:busy', { onBusy: 'throw' })).rejects.toBeInstanceOf(
      LockBusyError,
    );
    await expect(waiter.acquire('orders:busy', { waitTimeout: 300 })).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
    expect(await ownersOnNodes('orders:busy', [0, 1, 2, 3])).toEqual(Array(4).fill(held.token));
    await held.release();
  });

  it('undoes a split vote on every node and reports it as busy with an unknown ttl; the engine retries and wins once a node frees up', async () => {
    // 4 nodes, quorum 3: another owner holds 2, the other 2 are free, so nobody can have 3.
    const four = clients.slice(0, 4);
    const store = redlock({}, four);
    const other = await holdOnNodes('orders:split', [0, 1]);
    const channel = 'lw:{orders:split}:rel';
    const heard = await Promise.all(
      [2, 3].map(async (i) => {
        const subscriber = masters.servers[i]!.client();
        const messages: string[] = [];
        subscriber.on('message', (_channel: string, message: string) => messages.push(message));
        await subscriber.subscribe(channel);
        return messages;
      }),
    );
    const owner = token();
    expect(await store.acquire('lw:{orders:split}', owner, 10_000)).toEqual({
      acquired: false,
      ttl: -1,
    });
    // Our grants on nodes 2 and 3 were given back before the answer...
    expect(await ownersOnNodes('orders:split', [0, 1, 2, 3])).toEqual([other, other, null, null]);
    // ...without announcing a release (which would wake every waiter at once, into the same split):
    // a marker published after the answer is the first message on those nodes' channel.
    await Promise.all([2, 3].map((i) => clients[i]!.publish(channel, 'marker')));
    await waitUntil('the markers', () => heard.every((messages) => messages.length > 0));
    expect(heard).toEqual([['marker'], ['marker']]);

    const engine = engines.create({ store: redlock({}, four) });
    const contended = nextEvent(engine, 'contended');
    const acquiring = engine.acquire('orders:split', { ttl: 10_000, waitTimeout: 20_000 });
    await contended;
    // One node frees up: its release notification wakes the waiter, which now gets 3 of 4.
    expect(await new RedisLockStore(clients[0]!).release('lw:{orders:split}', other)).toBe(true);
    const lock = await acquiring;
    expect(await ownersOnNodes('orders:split', [0, 1, 2, 3])).toEqual([
      lock.token,
      other,
      lock.token,
      lock.token,
    ]);
    await lock.release();
  });

  it('refuses a quorum granted too late for the ttl (validity time) and gives every grant back', async () => {
    const store = redlock({ nodeTimeout: 300 });
    await masters.pause(4);
    const owner = token();
    // Nodes 0-3 grant at once, but the answer waits for node 4: longer than the ttl.
    const error = await store.acquire('lw:{orders:late}', owner, 200).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockStoreError);
    expect((error as Error).message).toMatch(
      /^RedlockStore: a quorum granted "lw:\{orders:late\}" only after \d+ ms, which leaves nothing of its ttl of 200 ms once 4 ms are set aside for clock drift\. Raise the ttl, or lower nodeTimeout\.$/,
    );
    expect(await ownersOnNodes('orders:late', [0, 1, 2, 3])).toEqual(Array(4).fill(null));
    await masters.resume(4);
    expect(await ownersOnNodes('orders:late', [4])).toEqual([null]);
  });

  it('returns the largest fence of the granting nodes, and inspect answers only for a quorum', async () => {
    const store = redlock();
    const owner = token();
    const taken = await store.acquire('lw:{orders:fence}', owner, 10_000);
    const fences = (await Promise.all(clients.map((c) => c.hget('lw:{orders:fence}', 'f')))).map(
      Number,
    );
    expect(taken).toEqual({ acquired: true, fence: Math.max(...fences) });
    expect(await store.inspect('lw:{orders:fence}')).toMatchObject({
      fence: taken.acquired && taken.fence,
    });

    // On 3 of 5 (ttls 60 s, 30 s, 10 s): held until the third longest ttl runs out.
    await new RedisLockStore(clients[0]!).acquire('lw:{orders:three}', 'x', 60_000);
    await new RedisLockStore(clients[2]!).acquire('lw:{orders:three}', 'x', 30_000);
    await new RedisLockStore(clients[4]!).acquire('lw:{orders:three}', 'x', 10_000);
    const info = await store.inspect('lw:{orders:three}');
    expect(info!.ttl).toBeGreaterThan(0);
    expect(info!.ttl).toBeLessThanOrEqual(10_000);

    // Held on 2 of 5 nodes only, with 2 free and 1 down: no owner has a quorum, so it is free.
    await masters.kill(4);
    const withNodeDown = redlock();
    await holdOnNodes('orders:partial', [1, 3]);
    expect(await withNodeDown.inspect('lw:{orders:partial}')).toBeNull();
    expect(await withNodeDown.inspect('lw:{orders:three}')).toBeNull();
  });

  it('keeps owner tokens out of errors from the nodes, their causes included', async () => {
    // A value of the wrong type under the lock's name makes 3 nodes fail the acquire script.
    await Promise.all([0, 1, 2].map((i) => clients[i]!.set('lw:{orders:wrongtype}', 'x')));
    const store = redlock();
    const owner = token();
    const error = await store
      .acquire('lw:{orders:wrongtype}', owner, 10_000)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockStoreError);
    expect((error as Error).message).toContain('WRONGTYPE');
    for (const i of [0, 1, 2]) expect((error as Error).message).toContain(nodeName(i));
    const everything = inspect(error, { depth: 20, showHidden: true });
    expect(everything).toContain('WRONGTYPE');
    expect(everything).not.toContain(owner);
    // Nodes 3 and 4 granted it; the grants were given back.
    expect(await ownersOnNodes('orders:wrongtype', [3, 4])).toEqual([null, null]);
  });

  it('reports a release it cannot decide (a quorum neither released nor refused) as a LockStoreError', async () => {
    const store = redlock();
    const owner = token();
    expect(await store.acquire('lw:{orders:undecided}', owner, 10_000)).toMatchObject({
      acquired: true,
    });
    // Gone from nodes 3 and 4 (say, restarted), and node 2 is down: yes 2, no 2, unknown 1.
    await Promise.all([3, 4].map((i) => clients[i]!.del('lw:{orders:undecided}')));
    await masters.kill(2);
    const error = await store.release('lw:{orders:undecided}', owner).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockStoreError);
    expect((error as Error).message).toContain(
      'RedlockStore: release of "lw:{orders:undecided}" is undecided: 2 of 5 nodes said yes and 2 no (quorum 3), and 1 node failed: ',
    );
    expect((error as Error).message).toContain(nodeName(2));
    expect(await ownersOnNodes('orders:undecided', [0, 1])).toEqual([null, null]);
  });

  it('reports configuration warnings of each node, naming it', async () => {
    await clients[3]!.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const warnings = await redlock().checkConfiguration();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^${nodeName(3).replace(/[().]/g, '\\$&')}: Redis maxmemory-policy is "allkeys-lru"`,
      ),
    );
  });
});
