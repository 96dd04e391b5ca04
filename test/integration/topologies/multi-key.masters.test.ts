import { LockEngine, RedlockStore } from '../../../src';
import { defer } from '../../support/cleanup';
import { describeWithLocalRedis } from '../../support/redis/describe-with-redis';
import { useRedisMasters } from '../../support/redis/use-redis-masters';

// Three independent masters for the file; every test has its own keys.
describeWithLocalRedis('multi-key locks on RedlockStore (3 independent redis-servers)', () => {
  const redis = useRedisMasters(3);

  function engine(): LockEngine {
    const store = new RedlockStore(redis.masters.clients());
    const made = new LockEngine({ store, prefix: 'lw' });
    defer(async () => {
      await made.close();
      await store.close();
    });
    return made;
  }

  /** On how many masters `lw:{key}` exists. */
  const copies = async (key: string): Promise<number> =>
    (await Promise.all(redis.clients.map((r) => r.exists(`lw:{${key}}`)))).reduce(
      (a, b) => a + b,
      0,
    );

  it('takes every key on a majority, leaves the others untouched when one is busy, releases all', async () => {
    const [holder, e] = [engine(), engine()];
    const lock = await e.acquire(['rk:b', 'rk:a']);
    expect(lock.keys).toEqual(['rk:a', 'rk:b']);
    expect([await copies('rk:a'), await copies('rk:b')]).toEqual([3, 3]);
    expect(await lock.release()).toBe(true);
    expect([await copies('rk:a'), await copies('rk:b')]).toEqual([0, 0]);

    const held = await holder.acquire('rk:b');
    expect(await e.tryAcquire(['rk:a', 'rk:b', 'rk:c'])).toBeNull();
    expect([await copies('rk:a'), await copies('rk:b'), await copies('rk:c')]).toEqual([0, 3, 0]);
    await held.release();
  });
});
