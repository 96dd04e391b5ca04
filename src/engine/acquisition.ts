import { LockConfigError, LockTimeoutError } from './errors';
import type { EmitEvent, EventObserved } from './events';
import type { KeyWaitersMap } from './key-waiters';
import type { HeldLeases } from './held-leases';
import { LockLease } from './lock-lease';
import { newOwnerToken } from './owner-token';
import type { ResolvedAcquireOptions } from './options';
import type { StoreCalls } from './store-calls';
import { planSleep } from './wait-plan';
import { Waiter } from './waiter';

/** What taking a lock needs from the engine. */
export interface AcquisitionHost {
  readonly calls: StoreCalls;
  readonly waiters: KeyWaitersMap;
  /** The engine's held leases: whether it holds a key, and where a granted lease goes. */
  readonly held: HeldLeases;
  /**
   * `undefined` while the current call may still take locks, else the error to reject with
   * (the engine is closing and the call does not come from one of its running bodies).
   */
  refusal(key: string): LockConfigError | undefined;
  /** Whether the current call runs inside one of the engine's running `withLock` bodies. */
  nested(): boolean;
  readonly emit: EmitEvent;
  readonly observed: EventObserved;
}

type Attempt =
  | { acquired: true; lease: LockLease }
  | { acquired: false; ttl: number; queued?: boolean; anchor?: Anchor; freeAt?: number };

/**
 * A queued attempt's local send time and the store's time when it ran. A grant at store time G
 * began a lease no later than `sentAt + (G - serverTime)` by the local clock: the attempt ran no
 * earlier than it was sent, so this never comes out later than the truth, and no two machines'
 * clocks are compared.
 */
interface Anchor {
  sentAt: number;
  serverTime: number;
}

function retriesExhausted(key: string, attempts: number, retryCount: number): LockTimeoutError {
  return new LockTimeoutError(
    `Timed out acquiring lock "${key}": still held by another owner after ${attempts} attempts (retryCount ${retryCount}).`,
    { key },
  );
}

/**
 * Takes locks for one engine: single attempts, and waiting (a local queue per key where only the
 * head makes attempts, release notifications, the holder's remaining ttl, capped backoff, the
 * store's fair queue) until `waitTimeout` or `retryCount`.
 */
export class Acquisition {
  constructor(private readonly host: AcquisitionHost) {}

  /** Take the lock per `o.onBusy`: `'skip'` and `'throw'` make one attempt (`null` if busy). */
  async take(key: string, storeKey: string, o: ResolvedAcquireOptions): Promise<LockLease | null> {
    o.signal?.throwIfAborted();
    const { calls, waiters } = this.host;
    if (o.fair && !calls.store.dequeue) {
      throw new LockConfigError(
        `Lock "${key}": option "fair" needs a store with a fair queue (RedisLockStore, MemoryLockStore); this store has no dequeue().`,
        { key },
      );
    }
    const token = newOwnerToken();
    const startedAt = Date.now();
    const single = o.onBusy !== 'wait' || o.waitTimeout === 0;
    // With a store that grants, a caller that will wait joins the store's queue with its first
    // attempt, so a release can hand it the lock (the release's message is the grant).
    const register = !single && calls.store.grants === true;
    // Plain newcomers queue behind local waiters instead of barging. Fair ones always try at
    // once: the attempt is what puts them in the store's queue, which decides the order.
    const queuedLocally =
      !o.fair && ((waiters.get(storeKey)?.queue.length ?? 0) > 0 || this.host.held.has(storeKey));
    let attempts = 0;
    let holderTtl = -1;
    let freeAt: number | undefined;
    let queuedInStore = false;
    let anchor: Anchor | undefined;
    if (!queuedLocally || single) {
      const result = await this.#attempt(key, storeKey, token, o, 1, startedAt, single, register);
      if (result.acquired) return result.lease;
      if (single) {
        if (o.onBusy === 'wait') {
          throw new LockTimeoutError(
            `Timed out acquiring lock "${key}": it is held by another owner and waitTimeout is 0.`,
            { key },
          );
        }
        return null;
      }
      attempts = 1;
      holderTtl = result.ttl;
      freeAt = result.freeAt;
      queuedInStore = result.queued === true;
      anchor = result.anchor;
      if (attempts > o.retryCount) {
        if (queuedInStore) await this.host.waiters.leaveQueue(key, storeKey, token, o.storeTimeout);
        throw retriesExhausted(key, attempts, o.retryCount);
      }
    }
    return this.#wait(key, storeKey, token, o, startedAt, attempts, queuedInStore, {
      holderTtl,
      freeAt,
      register,
      anchor,
    });
  }

  async #wait(
    key: string,
    storeKey: string,
    token: string,
    o: ResolvedAcquireOptions,
    startedAt: number,
    attempts: number,
    queuedInStore: boolean,
    last: {
      /** The holder's remaining ms by the last attempt (rounded down), `-1` if unknown. */
      holderTtl: number;
      /** When the holder's lease ends by `performance.now()`, if the store could tell finely. */
      freeAt: number | undefined;
      register: boolean;
      anchor: Anchor | undefined;
    },
  ): Promise<LockLease> {
    const { host } = this;
    const { register } = last;
    let { holderTtl, freeAt, anchor } = last;
    const waiters = host.waiters.enter(storeKey);
    const waiter = new Waiter(o.signal, host.nested(), token);
    // A fair waiter waits for its turn in the store's queue; a plain one waits in the local
    // queue, where only the head makes attempts (and, with a store that grants, joins the
    // store's queue, one waiter per process and key, so a release can grant it the lock).
    let fair = queuedInStore && (o.fair || !register);
    waiter.inStore = queuedInStore;
    if (fair) waiters.fair.set(token, waiter);
    else waiters.queue.push(waiter);
    waiters.byToken.set(token, waiter);
    const deadline = startedAt + o.waitTimeout;
    // With grants, a new head joins the store's queue at once rather than after a backoff.
    let attemptNow = register && attempts === 0 && waiters.head === waiter;
    let won = false;
    try {
      if (!waiters.unsubscribe) {
        await host.waiters.subscribe(key, storeKey, waiters, o.storeTimeout);
        // A release between our failed attempt and the subscription would go unheard: retry.
        attemptNow ||= attempts > 0;
      }
      for (;;) {
        // The store granted us the lock: no attempt needed; the lease began no later than the
        // anchor says. A grant older than our latest queued attempt is stale (that attempt
        // found us not holding it): ignore it.
        const grant = waiter.granted;
        waiter.granted = undefined;
        if (grant && anchor && grant.serverTime >= anchor.serverTime) {
          won = true;
          const start = Math.min(Date.now(), anchor.sentAt + grant.serverTime - anchor.serverTime);
          return await this.#hold(key, storeKey, token, o, grant, start, attempts, startedAt);
        }
        // A grant we cannot date (no queued attempt told us the store's time): an attempt
        // finds that we hold it and tells the fence; the lease starts at that attempt.
        if (grant && !anchor) attemptNow = true;
        if (attemptNow && (fair || waiters.head === waiter)) {
          attemptNow = false;
          waiter.woken = false;
          // An attempt that registers puts us in the store's queue (or takes the lock): from
          // now on the store tells us of a release, so a local one need not wake us. Without
          // this, our own process's release landing while the attempt is on its way would wake
          // us to repeat it (3 in 4 of default mode's hot-key sections did, 0.35 ms after).
          // An attempt that fails leaves it as it was (no dequeue on the way out, as before).
          const wasInStore = waiter.inStore;
          if (register) waiter.inStore = true;
          let result: Attempt;
          try {
            result = await this.#attempt(
              key,
              storeKey,
              token,
              o,
              attempts + 1,
              startedAt,
              false,
              register,
            );
          } catch (error) {
            // (A try, not a .catch(): no extra promise per attempt.)
            waiter.inStore = wasInStore;
            throw error;
          }
          attempts += 1;
          if (result.acquired) {
            won = true;
            return result.lease;
          }
          holderTtl = result.ttl;
          freeAt = result.freeAt;
          if (result.anchor) anchor = result.anchor;
          if (result.queued) waiter.inStore = true;
          // A grant that came while we asked: take it before counting retries.
          if (waiter.granted) continue;
          if (result.queued && !fair && !register) {
            // We joined the store's fair queue (someone queued fairly before us): from now on
            // our turn comes from the queue, and the next local waiter may try.
            fair = true;
            if (waiters.remove(waiter) && !host.held.has(storeKey)) waiters.head?.wake();
            waiters.fair.set(token, waiter);
          }
          if (attempts > o.retryCount) throw retriesExhausted(key, attempts, o.retryCount);
        }
        const now = Date.now();
        if (now >= deadline) {
          throw new LockTimeoutError(
            `Timed out acquiring lock "${key}": still held by another owner after waiting ${now - startedAt} ms (waitTimeout ${o.waitTimeout} ms).`,
            { key },
          );
        }
        const { sleep, exact } = planSleep({
          mayAttempt: fair || waiters.head === waiter,
          fair,
          retryDelay: o.retryDelay,
          attempts,
          untilDeadline: deadline - now,
          freeAt,
          holderTtl,
        });
        await (exact ? waiter.sleepExactly(sleep) : waiter.sleep(sleep));
        if (fair || waiters.head === waiter) attemptNow = true;
      }
    } finally {
      waiters.byToken.delete(token);
      if (fair) {
        waiters.fair.delete(token);
      } else {
        const wasHead = waiters.remove(waiter);
        // Promote the next local waiter. If we now hold the lock, it is woken by our release;
        // with grants it joins the store's queue now (once our caller has the lock: its attempt
        // is not on the way to our critical section), so our release can grant it the lock.
        // (Unless it already has: the release that granted us may have woken it first.)
        if (wasHead && !host.held.has(storeKey)) waiters.head?.wake();
        else if (wasHead && register) {
          setImmediate(() => {
            const head = waiters.head;
            if (head && !head.inStore) head.wake();
          });
        }
      }
      if (waiter.inStore && !won) {
        // Give our place up before the caller hears that we gave up, so the queue does not
        // wait for our deadline even if the process exits right after; the store releases a
        // grant that crossed our giving up. Bounded: a store that does not answer must not hold
        // the rejection (the entry then expires by itself, and a late grant is given back).
        await host.waiters.leaveQueue(key, storeKey, token, o.storeTimeout);
      }
      host.waiters.leave(storeKey, waiters);
    }
  }

  async #attempt(
    key: string,
    storeKey: string,
    token: string,
    o: ResolvedAcquireOptions,
    attempt: number,
    startedAt: number,
    once = false,
    register = false,
  ): Promise<Attempt> {
    const { host } = this;
    const { calls } = host;
    const sentAt = Date.now();
    const sentPerf = performance.now();
    const fair = o.fair || register;
    const result = await calls.run(
      'acquire',
      key,
      token,
      o.storeTimeout,
      () =>
        calls.store.acquire(storeKey, token, o.ttl, {
          metadata: o.metadata,
          fair,
          once,
          // A plain head waits in the store's queue for a grant, without a place to keep.
          overtakable: register && !o.fair,
        }),
      // Nothing may stay locked on the way out: a grant that comes after we gave up is undone.
      { signal: o.signal, onLate: (late) => calls.releaseLate(storeKey, token, late) },
    );
    if (!result.acquired) {
      // The store read its clock somewhere between our send and its answer; counting from the
      // middle wakes us closer to the end than counting from the answer (by half a round trip,
      // ~0.4 ms on an idle host). Early only if the attempt went out much slower than it came
      // back, by more than the next attempt's own trip takes: then that attempt finds the last
      // fraction of a ms and the one after it takes the lock.
      const freeAt =
        result.expiresIn === undefined
          ? undefined
          : (sentPerf + performance.now()) / 2 + result.expiresIn;
      if (host.observed('contended'))
        host.emit('contended', { key, holderTtl: result.ttl, attempt });
      const { ttl, queued, serverTime } = result;
      const anchor = queued && serverTime !== undefined ? { sentAt, serverTime } : undefined;
      return { acquired: false, ttl, queued, anchor, freeAt };
    }
    const held = this.#hold(key, storeKey, token, o, result, sentAt, attempt, startedAt);
    return { acquired: true, lease: held instanceof LockLease ? held : await held };
  }

  /**
   * Hold the lease just taken (by an attempt sent at `sentAt`, or granted and begun by then):
   * same bookkeeping and `acquired` event either way. If the engine now refuses or the caller
   * aborted, it is released at once (nothing may stay locked on the way out), and the promise
   * returned rejects. Not async: the usual answer, the lease, costs no promise.
   */
  #hold(
    key: string,
    storeKey: string,
    token: string,
    o: ResolvedAcquireOptions,
    /** The fence and ticket taken, and a grant's `ttl` when the store keeps it shorter. */
    taken: { fence: number; ticket?: number; ttl?: number },
    sentAt: number,
    attempt: number,
    startedAt: number,
  ): LockLease | Promise<never> {
    const { host } = this;
    const { fence, ticket } = taken;
    const lease = new LockLease(
      host.held,
      key,
      storeKey,
      token,
      fence,
      o.ttl,
      o.renewal,
      o.storeTimeout,
      sentAt,
      taken.ttl,
    );
    host.held.hold(lease);
    const refusal = host.refusal(key);
    if (refusal || o.signal?.aborted) return this.#undo(lease, o.signal, refusal);
    if (host.observed('acquired')) {
      host.emit('acquired', {
        key,
        fence,
        attempts: attempt,
        waitedMs: Math.max(0, sentAt - startedAt),
        ...(ticket === undefined ? {} : { ticket }),
      });
    }
    return lease;
  }

  /** Release a lease the caller will not get (refused, or aborted), then reject with why. */
  async #undo(
    lease: LockLease,
    signal: AbortSignal | undefined,
    refusal: LockConfigError | undefined,
  ): Promise<never> {
    await lease.release().catch(() => false);
    if (signal?.aborted) throw signal.reason;
    throw refusal as LockConfigError;
  }
}
