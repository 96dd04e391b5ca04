import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { heldWithQueue, token, waitFor, type AddCase } from './contract-case';

/**
 * The fair-queue part of the store contract (`acquire` with `fair`, `dequeue`, the next waiter
 * in release notifications). Every case needs the `fair` capability, so a store that disclaims
 * it gets none of them.
 */
export function addFairCases(add: AddCase): void {
  const fair = { fair: true } as const;

  add(
    'gives a free lock to the head of the fair queue, in arrival order',
    async ({ store, key }) => {
      const holder = token();
      const [b, c, d] = [token(), token(), token()];
      await store.acquire(key, holder, 10_000);
      for (const waiter of [b, c, d]) {
        const result = await store.acquire(key, waiter, 10_000, fair);
        assert.ok(
          !result.acquired && result.queued === true && result.ttl > 0,
          JSON.stringify(result),
        );
      }
      await store.release(key, holder);
      // A store that grants has given the lock to b already; one that does not keeps it free.
      const granted = (await store.inspect(key)) !== null;
      const early = await store.acquire(key, c, 10_000, fair);
      if (granted) assert.ok(!early.acquired && early.queued === true, JSON.stringify(early));
      else assert.deepEqual(early, { acquired: false, ttl: -1, queued: true });
      const first = await store.acquire(key, b, 10_000, fair);
      assert.ok(first.acquired, JSON.stringify(first));
      await store.release(key, b);
      assert.equal((await store.acquire(key, d, 10_000, fair)).acquired, false);
      const second = await store.acquire(key, c, 10_000, fair);
      assert.ok(second.acquired, JSON.stringify(second));
      await store.release(key, c);
      const third = await store.acquire(key, d, 10_000, fair);
      assert.ok(third.acquired, JSON.stringify(third));
      assert.ok(third.fence > second.fence && second.fence > first.fence);
      // Queued waiters are told their ticket (also when granted), in arrival order.
      assert.ok(first.ticket !== undefined && second.ticket! > first.ticket, JSON.stringify(first));
      assert.ok(third.ticket! > second.ticket!);
    },
    ['fair'],
  );

  add(
    'makes plain callers join an existing queue instead of barging',
    async ({ store, key }) => {
      const [holder, b, c, plain] = [token(), token(), token(), token()];
      await store.acquire(key, holder, 10_000);
      await store.acquire(key, b, 10_000, fair);
      await store.acquire(key, c, 10_000, fair);
      await store.release(key, holder);
      // A store that grants has given the lock to b (c is still queued); one that does not
      // keeps it free for b.
      const granted = (await store.inspect(key)) !== null;
      const joined = await store.acquire(key, plain, 10_000);
      if (granted) assert.ok(!joined.acquired && joined.queued, JSON.stringify(joined));
      else assert.deepEqual(joined, { acquired: false, ttl: -1, queued: true });
      assert.equal((await store.acquire(key, b, 10_000, fair)).acquired, true);
      await store.release(key, b);
      assert.equal((await store.acquire(key, plain, 10_000)).acquired, false);
      assert.equal((await store.acquire(key, c, 10_000, fair)).acquired, true);
      await store.release(key, c);
      assert.equal((await store.acquire(key, plain, 10_000)).acquired, true);
    },
    ['fair'],
  );

  add(
    'never queues a plain caller when there is no queue, nor a single attempt',
    async ({ store, key }) => {
      const [holder, b, plain, once] = [token(), token(), token(), token()];
      await store.acquire(key, holder, 10_000);
      const plainResult = await store.acquire(key, plain, 10_000);
      assert.ok(!plainResult.acquired && plainResult.ttl > 0 && !plainResult.queued);
      await store.acquire(key, b, 10_000, fair);
      const single = await store.acquire(key, once, 10_000, { fair: true, once: true });
      assert.equal(single.acquired, false);
      assert.ok(!single.acquired && !single.queued);
      await store.release(key, holder);
      assert.equal((await store.acquire(key, b, 10_000, fair)).acquired, true);
      await store.release(key, b);
      // Nobody else is queued: the single attempt left no trace, the plain caller never queued.
      assert.equal((await store.acquire(key, token(), 10_000)).acquired, true);
    },
    ['fair'],
  );

  add(
    'tells a queued caller when the lease ends, if it tells at all (expiresIn)',
    async ({ store, key }) => {
      const [holder, waiter] = [token(), token()];
      await store.acquire(key, holder, 10_000);
      // At least this much of the holder's lease has passed when the waiter asks, by any clock.
      const waited = 20;
      await sleep(waited);
      const result = await store.acquire(key, waiter, 10_000, fair);
      assert.ok(!result.acquired && result.queued === true, JSON.stringify(result));
      // Optional; when given, more than the whole-ms ttl (rounded down, the key lives through
      // its last ms), and what is left of the holder's lease, not the whole of it. (No bound
      // from above by the ttl: a store that reads the two at different moments, as Redis does
      // within one script, may be paused in between on a loaded machine.)
      if (result.expiresIn !== undefined) {
        assert.ok(result.expiresIn > result.ttl, JSON.stringify(result));
        assert.ok(result.expiresIn <= 10_001 - waited, JSON.stringify(result));
      }
    },
    ['fair'],
  );

  add(
    'names the next waiter in the release notification',
    async ({ store, key }) => {
      const nexts: Array<string | undefined> = [];
      const unsubscribe = await store.onRelease!(key, (next) => nexts.push(next));
      const [holder, b] = [token(), token()];
      await store.acquire(key, holder, 10_000);
      await store.release(key, holder);
      await waitFor(() => nexts.length === 1);
      await store.acquire(key, holder, 10_000);
      await store.acquire(key, b, 10_000, fair);
      await store.release(key, holder);
      await waitFor(() => nexts.length === 2);
      unsubscribe();
      assert.deepEqual(nexts, [undefined, b]);
    },
    ['fair', 'onRelease'],
  );

  add(
    'lets a waiter that gives up leave, and wakes the next one if the lock is free',
    async ({ store, key }) => {
      const [holder, b, c] = await heldWithQueue(store, key);
      await store.release(key, holder);
      const nexts: Array<string | undefined> = [];
      const unsubscribe = await store.onRelease!(key, (next) => nexts.push(next));
      assert.equal(await store.dequeue!(key, b), true);
      assert.equal(await store.dequeue!(key, b), false);
      await waitFor(() => nexts.length === 1);
      unsubscribe();
      assert.deepEqual(nexts, [c]);
      assert.equal((await store.acquire(key, c, 10_000, fair)).acquired, true);
    },
    ['fair', 'onRelease'],
  );

  add(
    'drops a waiter that stops refreshing after its waiter ttl',
    async ({ store, key, shortTtl }) => {
      const [holder, dead, alive] = [token(), token(), token()];
      await store.acquire(key, holder, 10_000);
      // A store that grants may grant the still-live dead waiter on release: its lock then
      // expires like any crashed holder's, hence its short ttl.
      await store.acquire(key, dead, shortTtl, { fair: true, waiterTtl: shortTtl });
      await store.acquire(key, alive, 10_000, { fair: true, waiterTtl: 10_000 });
      await store.release(key, holder);
      assert.equal((await store.acquire(key, alive, 10_000, fair)).acquired, false);
      await sleep(shortTtl * 2);
      assert.equal((await store.acquire(key, alive, 10_000, fair)).acquired, true);
    },
    ['fair'],
  );
}
