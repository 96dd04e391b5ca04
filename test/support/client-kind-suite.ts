import { randomBytes } from 'node:crypto';
import { LockEngine, RedisLockStore, type Lock, type RedisClient } from '../../src';
import { lockStoreContract } from '../../src/testing';
import { defer } from './cleanup';
import {
  GLIDE,
  IOREDIS,
  NODE_REDIS,
  type ClientKindFixture,
  type Target,
} from './redis/client-kinds';
import { waitUntil } from './wait-until';

/** Subscriptions to a channel, as the server(s) count them. */
export interface ChannelSubscriptions {
  classic: number;
  sharded: number;
}

/** What a topology gives the client-kind suite. */
export interface Topology {
  /** `standalone` or `cluster`, for test names. */
  readonly name: string;
  /** Where clients connect (ready in hooks and tests). */
  target(): Target;
  /** Subscriptions to `channel` on every node that could hold one. */
  subscriptions(channel: string): Promise<ChannelSubscriptions>;
  /** The pub/sub mode lockwarden must use there. */
  readonly expectedMode: keyof ChannelSubscriptions;
}

/** A fresh key; its store key is `lw:{key}` and its release channel `lw:{key}:rel`. */
export const freshKey = (label: string): string => `${label}:${randomBytes(6).toString('hex')}`;
export const releaseChannel = (key: string): string => `lw:{${key}}:rel`;

/** An engine over a new store on `client`, closed (engine, then store) after the test. */
export function engineOn(client: RedisClient): LockEngine {
  const store = new RedisLockStore(client);
  const engine = new LockEngine({ store, prefix: 'lw' });
  defer(() => store.close());
  defer(() => engine.close());
  return engine;
}

/**
 * Wait until a waiter subscribed to `key`'s releases (so a release can only reach it as a
 * notification), in the mode lockwarden must use.
 */
export async function untilSubscribed(topology: Topology, key: string): Promise<void> {
  await waitUntil(`a ${topology.expectedMode} subscription to ${releaseChannel(key)}`, async () => {
    const counts = await topology.subscriptions(releaseChannel(key));
    return counts[topology.expectedMode] > 0;
  });
}

/**
 * Take `key` on `holder`, wait on `waiter` with a backoff far above any hand-off (60 s), and
 * release once the waiter is subscribed: the waiter can only get the lock that fast by hearing
 * the release. Resolves to both locks and the measured hand-off in ms.
 */
export async function handOff(
  topology: Topology,
  holder: LockEngine,
  waiter: LockEngine,
  key: string,
): Promise<{ held: Lock; next: Lock; handOffMs: number; order: string[] }> {
  const order: string[] = [];
  const held = await holder.acquire(key, { ttl: 120_000 });
  const waiting = waiter
    .acquire(key, { ttl: 10_000, retryDelay: 60_000, waitTimeout: 60_000 })
    .then((lock) => {
      order.push('acquired');
      return { lock, at: performance.now() };
    });
  await untilSubscribed(topology, key);
  order.push('release');
  const releasedAt = performance.now();
  expect(await held.release()).toBe(true);
  const { lock: next, at } = await waiting;
  return { held, next, handOffMs: at - releasedAt, order };
}

/**
 * The suite every client kind passes on every topology: the store contract, exactly one winner
 * of 20 concurrent `tryAcquire`, a waiter on a second client woken by the release, fences that
 * increase, and a `close()` that leaves the user's client usable. Clients are made once per file.
 */
export function describeClientKind(kind: ClientKindFixture, topology: Topology): void {
  describe(`${kind.name} on ${topology.name}`, () => {
    let first: RedisClient;
    let second: RedisClient;
    beforeAll(async () => {
      first = await kind.connect(topology.target());
      second = await kind.connect(topology.target());
    }, 30_000);

    describe(`LockStore contract: RedisLockStore over ${kind.name} (${topology.name})`, () => {
      const cases = lockStoreContract(
        () => {
          const store = new RedisLockStore(first);
          return { store, cleanup: () => store.close() };
        },
        { supports: { grant: true, successor: true } },
      );
      for (const c of cases) it(c.name, c.run);
    });

    it('gives a key to exactly one of 20 concurrent tryAcquire calls', async () => {
      const key = freshKey('race');
      const engines = Array.from({ length: 20 }, (_, i) => engineOn(i % 2 ? first : second));
      const locks = await Promise.all(engines.map((engine) => engine.tryAcquire(key)));
      expect(locks.filter((lock) => lock !== null)).toHaveLength(1);
    });

    it('wakes a waiter on a second client when the lock is released (not by polling)', async () => {
      const { held, next, handOffMs, order } = await handOff(
        topology,
        engineOn(first),
        engineOn(second),
        freshKey('wake'),
      );
      expect(order).toEqual(['release', 'acquired']);
      expect(next.fence).toBeGreaterThan(held.fence);
      console.log(`${kind.name} on ${topology.name}: hand-off ${handOffMs.toFixed(2)} ms`);
      await next.release();
    }, 15_000);

    it('issues increasing fences across both clients', async () => {
      const key = freshKey('fence');
      const engines = [engineOn(first), engineOn(second)];
      const fences: number[] = [];
      for (let i = 0; i < 6; i++) {
        const lock = await engines[i % 2]!.acquire(key, { ttl: 5_000 });
        fences.push(lock.fence);
        await lock.release();
      }
      expect(fences).toEqual([...fences].sort((a, b) => a - b));
      expect(new Set(fences).size).toBe(fences.length);
    });

    it('close() ends its subscriptions and leaves the client usable', async () => {
      const key = freshKey('close');
      const store = new RedisLockStore(first);
      const heard: Array<string | undefined> = [];
      await store.onRelease(`lw:{${key}}`, (next) => heard.push(next));
      await untilSubscribed(topology, key);
      await store.close();
      await waitUntil('the subscription to end', async () => {
        const counts = await topology.subscriptions(releaseChannel(key));
        return counts.classic + counts.sharded === 0;
      });
      expect(await kind.ping(first)).toBe('PONG');
      // The user's client still takes locks.
      const engine = engineOn(first);
      const lock = await engine.acquire(key);
      expect(await lock.release()).toBe(true);
    });
  });
}

/**
 * Engines over ioredis, node-redis and GLIDE on one Redis exclude and wake each other (one
 * store, one set of scripts, one key layout). `more` adds cases that need the three clients.
 */
export function describeMixedKinds(
  topology: Topology,
  more?: (clients: () => RedisClient[]) => void,
): void {
  describe('ioredis, node-redis and GLIDE together', () => {
    let clients: RedisClient[];
    beforeAll(async () => {
      clients = await Promise.all(
        [IOREDIS, NODE_REDIS, GLIDE].map((kind) => kind.connect(topology.target())),
      );
    });

    it('exclude each other on one key: exactly one of 21 concurrent tryAcquire wins', async () => {
      const key = freshKey('mixed');
      const engines = Array.from({ length: 21 }, (_, i) => engineOn(clients[i % 3]!));
      const locks = await Promise.all(engines.map((engine) => engine.tryAcquire(key)));
      expect(locks.filter((lock) => lock !== null)).toHaveLength(1);
    });

    it.each([0, 1, 2])(
      'wake each other: a release through kind %i wakes the next kind',
      async (i) => {
        const { order } = await handOff(
          topology,
          engineOn(clients[i]!),
          engineOn(clients[(i + 1) % 3]!),
          freshKey('mixed-wake'),
        );
        expect(order).toEqual(['release', 'acquired']);
      },
      15_000,
    );

    more?.(() => clients);
  });
}
