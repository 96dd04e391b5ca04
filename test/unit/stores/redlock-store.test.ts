import Redis from 'ioredis';
import { LockConfigError, LockEngine, RedlockStore } from '../../../src';
import { thrownBy } from '../../support/thrown-by';

/** Clients that never connect: the constructor's checks need no server. */
function clients(count: number, firstPort = 7001): Redis[] {
  return Array.from(
    { length: count },
    (_, i) => new Redis({ host: '127.0.0.1', port: firstPort + i, lazyConnect: true }),
  );
}

describe('RedlockStore options and clients', () => {
  const made: Redis[] = [];
  const five = (): Redis[] => {
    const list = clients(5);
    made.push(...list);
    return list;
  };
  afterEach(() => {
    for (const client of made.splice(0)) client.disconnect();
  });

  it('defaults to a majority quorum', () => {
    expect(new RedlockStore(five()).quorum).toBe(3);
    const four = clients(4);
    made.push(...four);
    expect(new RedlockStore(four).quorum).toBe(3);
    expect(new RedlockStore(five(), { quorum: 5 }).quorum).toBe(5);
  });

  it.each([
    [
      { quorum: 2 },
      'new RedlockStore(): option "quorum" must be an integer from 3 (a majority of the 5 nodes; with fewer, two owners could hold the lock at once) to 5, got 2.',
    ],
    [
      { quorum: 6 },
      'new RedlockStore(): option "quorum" must be an integer from 3 (a majority of the 5 nodes; with fewer, two owners could hold the lock at once) to 5, got 6.',
    ],
    [
      { quorum: 3.5 },
      'new RedlockStore(): option "quorum" must be an integer from 3 (a majority of the 5 nodes; with fewer, two owners could hold the lock at once) to 5, got 3.5.',
    ],
    [
      { driftFactor: 1 },
      'new RedlockStore(): option "driftFactor" must be a number from 0 up to (not including) 1, such as 0.01, got 1.',
    ],
    [
      { driftFactor: Number.NaN },
      'new RedlockStore(): option "driftFactor" must be a number from 0 up to (not including) 1, such as 0.01, got NaN.',
    ],
    [
      { nodeTimeout: 0 },
      'new RedlockStore(): option "nodeTimeout" must be a positive integer number of milliseconds, got 0.',
    ],
    [
      { nodeTimeout: '50' },
      'new RedlockStore(): option "nodeTimeout" must be a positive integer number of milliseconds, got "50".',
    ],
    [
      { retryCount: 3 },
      'new RedlockStore(): unknown option "retryCount". Known options: quorum, driftFactor, nodeTimeout.',
    ],
  ])('refuses %p with a LockConfigError naming the option', (options, message) => {
    const error = thrownBy(() => new RedlockStore(five(), options as never));
    expect(error).toBeInstanceOf(LockConfigError);
    expect(error.message).toBe(message);
  });

  it('names the whole quorum when every node is needed', () => {
    const one = clients(1);
    made.push(...one);
    expect(thrownBy(() => new RedlockStore(one, { quorum: 2 })).message).toBe(
      'new RedlockStore(): option "quorum" must be 1 with 1 node (a majority of them), got 2.',
    );
  });

  it('refuses anything but a non-empty array of distinct Redis clients, one per master', () => {
    expect(thrownBy(() => new RedlockStore([])).message).toBe(
      'new RedlockStore(): the first argument must be a non-empty array of Redis clients, one per independent Redis master, got an array.',
    );
    expect(thrownBy(() => new RedlockStore('redis://a' as never)).message).toBe(
      'new RedlockStore(): the first argument must be a non-empty array of Redis clients, one per independent Redis master, got "redis://a".',
    );
    const [a, b] = five();
    const url = thrownBy(() => new RedlockStore([a!, 'redis://b' as never, b!]));
    expect(url).toBeInstanceOf(LockConfigError);
    expect(url.message).toBe(
      'new RedlockStore(): clients[1] must be a Redis client (an ioredis Redis or Cluster, a connected node-redis client (createClient() or createCluster()), or a Valkey GLIDE GlideClient or GlideClusterClient), got "redis://b". Create one client per master: new RedlockStore([new Redis(urlA), new Redis(urlB), new Redis(urlC)]).',
    );
    expect(thrownBy(() => new RedlockStore([a!, b!, a!])).message).toBe(
      'new RedlockStore(): clients[0] and clients[2] are the same Redis (127.0.0.1:7001); a quorum needs independent masters, one client each.',
    );
    const again = new Redis({ host: '127.0.0.1', port: 7002, lazyConnect: true });
    made.push(again);
    expect(thrownBy(() => new RedlockStore([a!, b!, again])).message).toBe(
      'new RedlockStore(): clients[1] and clients[2] are the same Redis (127.0.0.1:7002); a quorum needs independent masters, one client each.',
    );
  });

  it('refuses fair locks, in the store and in the engine, before any node is asked', async () => {
    const list = five();
    const store = new RedlockStore(list);
    await expect(store.acquire('lw:{k}', 'owner', 1_000, { fair: true })).rejects.toThrow(
      new LockConfigError(
        'RedlockStore: fair locks are not supported (each node would keep its own queue order, so no waiter could be first on a quorum); acquire "lw:{k}" without "fair", or use a RedisLockStore.',
      ),
    );
    const engine = new LockEngine({ store });
    await expect(engine.acquire('k', { fair: true })).rejects.toBeInstanceOf(LockConfigError);
    // Nothing was sent: the clients never even connected.
    expect(list.map((client) => client.status)).toEqual(Array(5).fill('wait'));
    await engine.close();
  });
});
