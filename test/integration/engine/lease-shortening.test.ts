import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import { LockEngine, RedisLockStore, type Lock, type RenewRequest } from '../../../src';
import { storeOver } from '../../support/scripted-store';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { startRedis, type RedisServer } from '../../support/redis/redis-server';

type Step = { kind: 'extend'; ttl: number } | { kind: 'sleep'; ms: number };

describeWithRedis('shortening a lease against a real redis-server', () => {
  let server: RedisServer;
  let raw: Redis;
  let engine: LockEngine;
  let other: LockEngine;

  beforeAll(async () => {
    server = await startRedis();
    raw = server.client();
    const store = new RedisLockStore(server.client());
    // Redis applies each renewal when it arrives; only its reply is delayed, by up to 40 ms, so
    // confirmations of scheduled renewals and of extend() calls reach the engine out of order.
    const racing = storeOver(store, {
      renewMany: async (requests: readonly RenewRequest[]) => {
        const results = await store.renewMany(requests);
        await sleep(Math.floor(Math.random() * 40));
        return results;
      },
      close: () => store.close(),
    });
    engine = new LockEngine({ store: racing, logger: { warn: () => {}, error: () => {} } });
    other = new LockEngine({ store: new RedisLockStore(server.client()) });
  });
  afterAll(async () => {
    await engine.close();
    await other.close();
    await server.stop();
  });

  /** Redis first, then the lock: a key gone at the reply must be gone for the lock after it. */
  async function expectNotHeldUnlessRedisHasIt(lock: Lock): Promise<boolean> {
    const owner = await raw.hget(`lw:{${lock.key}}`, 'o');
    if (owner !== lock.token) expect(lock.held).toBe(false);
    return owner === lock.token;
  }

  it('another engine takes the lock only after the holder stopped believing it holds it', async () => {
    const lock = await engine.acquire('shorten:handover', { ttl: 30_000, autoExtend: false });
    await lock.extend(300);
    const taken = await other.acquire('shorten:handover', { waitTimeout: 10_000 });
    // Redis gave the lock to someone else, so it had let ours go: we must know.
    expect(lock.held).toBe(false);
    expect(lock.signal.aborted).toBe(true);
    await taken.release();
  });

  it('held is never true while Redis has no key for its token, after any extend sequence', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('extend' as const), ttl: fc.integer({ min: 30, max: 1_500 }) }),
      fc.record({ kind: fc.constant('sleep' as const), ms: fc.integer({ min: 0, max: 120 }) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 3_000 }),
        fc.boolean(),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        async (ttl, autoExtend, steps: Step[]) => {
          run += 1;
          const lock = await engine.acquire(`shorten:property:${run}`, { ttl, autoExtend });
          try {
            for (const s of steps) {
              if (s.kind === 'sleep') await sleep(s.ms);
              else await lock.extend(s.ttl).catch(() => undefined);
              await expectNotHeldUnlessRedisHasIt(lock);
            }
            // Keep watching until Redis lets it go (or the run is long enough).
            for (let i = 0; i < 10 && (await expectNotHeldUnlessRedisHasIt(lock)); i += 1) {
              await sleep(25);
            }
          } finally {
            await lock.release().catch(() => false);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
