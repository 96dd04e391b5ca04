import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoreGrant } from '../stores/lock-store';
import { heldWithQueue, token, waitFor, type AddCase } from './contract-case';

/**
 * The grant part of the store contract (`grants: true`): a release, or a dequeue that frees the
 * lock, hands it to the live head of the queue in the same operation, and the release
 * notification carries the grant. Every case needs the `fair` and `grant` capabilities.
 */
export function addGrantCases(add: AddCase): void {
  const fair = { fair: true } as const;

  add(
    'grants a released lock to the live head of the queue, with a greater fence, and says so',
    async ({ store, key }) => {
      const [holder, b, c] = [token(), token(), token()];
      const held = await store.acquire(key, holder, 10_000);
      const queued = await store.acquire(key, b, 5_000, { fair: true, metadata: 'b-host' });
      await store.acquire(key, c, 10_000, fair);
      assert.ok(held.acquired && !queued.acquired && queued.queued, JSON.stringify(queued));
      assert.equal(typeof queued.serverTime, 'number', 'a queued attempt reports serverTime');
      const heard: Array<[string | undefined, StoreGrant | undefined]> = [];
      const unsubscribe = await store.onRelease!(key, (next, grant) => heard.push([next, grant]));
      assert.equal(await store.release(key, holder), true);
      const info = await store.inspect(key);
      assert.ok(info && info.fence > held.fence, JSON.stringify(info));
      assert.equal(info.metadata, 'b-host');
      assert.ok(info.ttl > 0 && info.ttl <= 5_000, `the waiter's own ttl: ${info.ttl}`);
      await waitFor(() => heard.length === 1);
      await sleep(50);
      unsubscribe();
      assert.equal(heard.length, 1, 'one notification per release');
      const [next, grant] = heard[0]!;
      assert.equal(next, b);
      assert.ok(grant, 'the notification carries the grant');
      assert.equal(grant.fence, info.fence);
      assert.ok(grant.serverTime >= queued.serverTime!, JSON.stringify({ grant, queued }));
      // The waiter that missed the message finds itself the holder, with the granted fence.
      const again = await store.acquire(key, b, 5_000, fair);
      assert.ok(again.acquired && again.fence === info.fence, JSON.stringify(again));
      assert.equal(again.ticket, grant.ticket);
      assert.equal((await store.acquire(key, c, 10_000, fair)).acquired, false);
    },
    ['fair', 'grant', 'onRelease'],
  );

  add(
    "keeps a grant no longer than the waiter's place in the queue; the waiter's attempt extends it",
    async ({ store, key }) => {
      const [holder, b] = [token(), token()];
      const held = await store.acquire(key, holder, 10_000);
      assert.ok(held.acquired);
      await store.acquire(key, b, 60_000, { fair: true, waiterTtl: 10_000 });
      const heard: Array<StoreGrant | undefined> = [];
      const unsubscribe = await store.onRelease!(key, (_next, grant) => heard.push(grant));
      await store.release(key, holder);
      const info = await store.inspect(key);
      // Granted (a greater fence), but for at most the waiter ttl, not the 60 s it asked for: a
      // waiter that died unnoticed frees the lock when its place would have lapsed.
      assert.ok(info && info.fence > held.fence, JSON.stringify(info));
      assert.ok(info.ttl > 0 && info.ttl <= 10_000, `at most the waiter ttl: ${info.ttl}`);
      await waitFor(() => heard.length === 1);
      unsubscribe();
      const grant = heard[0];
      assert.ok(grant && (grant.ttl ?? 60_000) <= 10_000, JSON.stringify(grant));
      // The holder's own attempt (or a renewal) gives it its full ttl.
      const again = await store.acquire(key, b, 60_000, fair);
      assert.ok(again.acquired && again.fence === info.fence, JSON.stringify(again));
      assert.ok((await store.inspect(key))!.ttl > 10_000);
      assert.equal(await store.release(key, b), true);
    },
    ['fair', 'grant', 'onRelease'],
  );

  add(
    'refuses a single attempt and a plain caller while the lock is granted',
    async ({ store, key }) => {
      const [holder, b] = await heldWithQueue(store, key);
      await store.release(key, holder);
      const once = await store.acquire(key, token(), 10_000, { once: true });
      assert.ok(!once.acquired && once.ttl > 0 && !once.queued, JSON.stringify(once));
      const plain = await store.acquire(key, token(), 10_000);
      assert.ok(!plain.acquired && plain.ttl > 0, JSON.stringify(plain));
      assert.equal(await store.release(key, b), true);
    },
    ['fair', 'grant'],
  );

  add(
    'releases a grant when its waiter leaves, and grants the next queued waiter',
    async ({ store, key }) => {
      const [holder, b, c] = await heldWithQueue(store, key);
      await store.release(key, holder);
      const granted = await store.inspect(key);
      const heard: Array<[string | undefined, StoreGrant | undefined]> = [];
      const unsubscribe = await store.onRelease!(key, (next, grant) => heard.push([next, grant]));
      assert.equal(await store.dequeue!(key, b), true, 'b held the lock by a grant');
      await waitFor(() => heard.length === 1);
      unsubscribe();
      const info = await store.inspect(key);
      assert.ok(granted && info && info.fence > granted.fence, JSON.stringify({ granted, info }));
      assert.equal(heard[0]![0], c);
      assert.equal(heard[0]![1]?.fence, info.fence);
      assert.equal(await store.renew(key, b, 10_000), false);
      const taken = await store.acquire(key, c, 10_000, fair);
      assert.ok(taken.acquired && taken.fence === info.fence, JSON.stringify(taken));
      assert.equal(await store.dequeue!(key, b), false);
    },
    ['fair', 'grant', 'onRelease'],
  );

  add(
    'skips a dead waiter (deadline passed) instead of granting it',
    async ({ store, key, shortTtl }) => {
      const [holder, dead, alive] = [token(), token(), token()];
      await store.acquire(key, holder, 10_000);
      await store.acquire(key, dead, 10_000, { fair: true, waiterTtl: shortTtl });
      await store.acquire(key, alive, 10_000, { fair: true, waiterTtl: 10_000 });
      await sleep(shortTtl * 2);
      await store.release(key, holder);
      assert.equal(await store.renew(key, dead, 10_000), false, 'the dead waiter holds nothing');
      assert.equal(await store.renew(key, alive, 10_000), true, 'the live one was granted');
    },
    ['fair', 'grant'],
  );

  add(
    "lets a granted lock nobody claims expire after the waiter's ttl",
    async ({ store, key, shortTtl }) => {
      const [holder, crashed] = [token(), token()];
      await store.acquire(key, holder, 10_000);
      await store.acquire(key, crashed, shortTtl, { fair: true, waiterTtl: 10_000 });
      await store.release(key, holder);
      assert.notEqual(await store.inspect(key), null, 'granted to the waiter');
      await sleep(shortTtl * 2);
      assert.equal(await store.inspect(key), null);
      assert.equal((await store.acquire(key, token(), 10_000)).acquired, true);
    },
    ['fair', 'grant'],
  );

  add(
    "grants to a release's named successor ahead of overtakable waiters, never past a fair one",
    async ({ store, key }) => {
      const [holder, plain, successor, fairOne, late] = [
        token(),
        token(),
        token(),
        token(),
        token(),
      ];
      const overtakable = { fair: true, overtakable: true } as const;
      const held = await store.acquire(key, holder, 10_000);
      assert.ok(held.acquired);
      await store.acquire(key, plain, 10_000, { ...overtakable, metadata: 'plain' });
      await store.acquire(key, successor, 10_000, { ...overtakable, metadata: 'successor' });
      // Only overtakable waiters are ahead of the successor: it gets the lock.
      assert.equal(await store.release(key, holder, { successor }), true);
      assert.equal((await store.inspect(key))?.metadata, 'successor');
      const taken = await store.acquire(key, successor, 10_000, overtakable);
      assert.ok(taken.acquired && taken.fence > held.fence, JSON.stringify(taken));
      // A fair waiter is ahead of the next successor: the head (`plain`) gets it, as usual.
      await store.acquire(key, fairOne, 10_000, { fair: true, metadata: 'fair' });
      await store.acquire(key, late, 10_000, { ...overtakable, metadata: 'late' });
      assert.equal(await store.release(key, successor, { successor: late }), true);
      assert.equal((await store.inspect(key))?.metadata, 'plain');
      // A successor that is not queued changes nothing either: the head (`fairOne`) gets it.
      assert.equal(await store.release(key, plain, { successor: token() }), true);
      assert.equal((await store.inspect(key))?.metadata, 'fair');
      assert.equal(await store.release(key, fairOne, { successor: late }), true);
      assert.equal((await store.inspect(key))?.metadata, 'late');
      assert.equal(await store.release(key, late), true);
    },
    ['fair', 'grant', 'successor'],
  );
}
