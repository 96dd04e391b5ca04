import { DEFAULT_WAITER_TTL, type StoreGrant } from '../stores/lock-store';
import type { LockStoreError } from './errors';
import type { LockErrorEvent } from './events';
import type { StoreCalls } from './store-calls';
import type { Waiter } from './waiter';

/** How long a key stays subscribed to release notifications after its last local waiter left. */
const SUBSCRIPTION_LINGER_MS = 2_000;

/**
 * How long a process keeps handing a busy key to its own next plain waiter before the store's
 * queue decides who is next (`burstMs`, counted from when the burst's first holder took it;
 * the section that runs at the end may overrun it), and at most how many times in a row
 * (`maxHandOffs`). Short sections, where a hand-off's cost is a large part of each, go on
 * locally for a while; long ones (past `burstMs` by themselves) take turns by process. Tests
 * change these to pin one rule at a time.
 */
export const LOCAL_BURST = { burstMs: 10, maxHandOffs: 16 };

/** The local queue of waiters for one store key, and its release subscription. */
export class KeyWaiters {
  /** Waiters in arrival order; only the head makes attempts. */
  readonly queue: Waiter[] = [];
  /** Waiters in the store's fair queue, by owner token; each is woken when it is next. */
  readonly fair = new Map<string, Waiter>();
  /** Every waiter by its owner token, so a grant the store announces finds its waiter. */
  readonly byToken = new Map<string, Waiter>();
  /** Set once release notifications for the key are being delivered. */
  unsubscribe: (() => void) | undefined;
  subscribing: Promise<void> | undefined;
  lingerTimer: NodeJS.Timeout | undefined;
  /** Releases in a row that named the local head as the successor. */
  localHandOffs = 0;
  /** When the holder that began the current run of local hand-offs took the key (`Date.now()`). */
  burstStartedAt = 0;

  get head(): Waiter | undefined {
    return this.queue[0];
  }

  /** Remove `waiter`; returns whether it was the head. */
  remove(waiter: Waiter): boolean {
    const index = this.queue.indexOf(waiter);
    if (index === -1) return false;
    this.queue.splice(index, 1);
    return index === 0;
  }

  get idle(): boolean {
    return this.queue.length === 0 && this.fair.size === 0;
  }
}

/**
 * The waiters of one engine, by store key: their local queues, the release subscription each
 * key shares (kept a little after the last waiter leaves, so sustained contention does not pay a
 * SUBSCRIBE per hand-off), and the wake-ups a release notification brings.
 */
export class KeyWaitersMap {
  readonly #byKey = new Map<string, KeyWaiters>();
  /**
   * Tokens of waiters that left the store's queue without the lock, by token: store key and
   * until when a grant for them may still come (their dequeue failed, or crossed the grant).
   */
  readonly #abandoned = new Map<string, { storeKey: string; until: number }>();
  #closed = false;

  constructor(
    private readonly calls: StoreCalls,
    private readonly reportError: (event: LockErrorEvent) => void,
  ) {}

  get(storeKey: string): KeyWaiters | undefined {
    return this.#byKey.get(storeKey);
  }

  /** The queue of `storeKey` for a new waiter (its subscription stays). */
  enter(storeKey: string): KeyWaiters {
    let waiters = this.#byKey.get(storeKey);
    if (!waiters) {
      waiters = new KeyWaiters();
      this.#byKey.set(storeKey, waiters);
    }
    if (waiters.lingerTimer) {
      clearTimeout(waiters.lingerTimer);
      waiters.lingerTimer = undefined;
    }
    return waiters;
  }

  /**
   * Subscribe to the key's release notifications, waiting at most `timeoutMs` for the store to
   * confirm; a subscription that comes later still takes effect.
   */
  async subscribe(
    key: string,
    storeKey: string,
    waiters: KeyWaiters,
    timeoutMs: number,
  ): Promise<void> {
    const store = this.calls.store;
    if (!store.onRelease || waiters.unsubscribe) return;
    const install = (unsubscribe: () => void): void => {
      if (this.#closed || this.#byKey.get(storeKey) !== waiters || waiters.unsubscribe) {
        unsubscribe();
      } else {
        waiters.unsubscribe = unsubscribe;
      }
    };
    waiters.subscribing ??= this.calls
      .run(
        'subscribe',
        key,
        undefined,
        timeoutMs,
        () => store.onRelease!(storeKey, (next, grant) => this.released(storeKey, next, grant)),
        // A subscription confirmed after the bound still delivers notifications.
        { onLate: install },
      )
      .then(install, (error: unknown) => {
        // Without notifications waiters still wake on the holder's ttl and the backoff.
        this.reportError({ key, operation: 'subscribe', error: error as LockStoreError });
      })
      .finally(() => {
        waiters.subscribing = undefined;
      });
    await waiters.subscribing;
  }

  /** Drop a key's queue once nobody waits; keep its subscription a little for the next wait. */
  leave(storeKey: string, waiters: KeyWaiters): void {
    if (this.#closed || !waiters.idle || waiters.lingerTimer) return;
    if (!waiters.unsubscribe && !waiters.subscribing) {
      if (this.#byKey.get(storeKey) === waiters) this.#byKey.delete(storeKey);
      return;
    }
    waiters.lingerTimer = setTimeout(() => {
      waiters.lingerTimer = undefined;
      if (!waiters.idle) return;
      waiters.unsubscribe?.();
      waiters.unsubscribe = undefined;
      if (this.#byKey.get(storeKey) === waiters) this.#byKey.delete(storeKey);
    }, SUBSCRIPTION_LINGER_MS);
    waiters.lingerTimer.unref();
  }

  /**
   * Wake the head of the key's local queue (the lock was released in this process), unless it
   * waits in the queue of a store that grants: the release grants it the lock, or announces that
   * it may try, and an attempt of its own now would only cost a command.
   */
  wakeHead(storeKey: string): void {
    const head = this.#byKey.get(storeKey)?.head;
    if (head && !(head.inStore && this.calls.store.grants === true)) head.wake();
  }

  /**
   * The waiter a release of `storeKey` by this process should hand the lock to, ahead of the
   * store's queue: the local head of plain waiters, when it is in the store's queue, within the
   * bounds of LOCAL_BURST (then the store's queue decides, so other processes' waiters get their
   * turn). `heldSince`: when the releasing holder took the key.
   */
  successor(storeKey: string, heldSince: number): string | undefined {
    const waiters = this.#byKey.get(storeKey);
    if (!waiters) return undefined;
    if (waiters.localHandOffs === 0) waiters.burstStartedAt = heldSince;
    const head = waiters.head;
    if (
      !head?.inStore ||
      head.granted ||
      waiters.localHandOffs >= LOCAL_BURST.maxHandOffs ||
      Date.now() - waiters.burstStartedAt >= LOCAL_BURST.burstMs
    ) {
      waiters.localHandOffs = 0;
      return undefined;
    }
    waiters.localHandOffs += 1;
    return head.token;
  }

  /**
   * A waiter with `token` gives up its place in the store's queue: `dequeue` (which also gives
   * back a grant that crossed its giving up), waiting at most `timeoutMs` (a store that does not
   * answer must not hold the caller's rejection; the entry then expires by itself). A grant
   * announced for it later, until the store would have forgotten it, is given back too.
   */
  async leaveQueue(key: string, storeKey: string, token: string, timeoutMs: number): Promise<void> {
    const store = this.calls.store;
    if (!store.dequeue) return;
    this.#abandon(storeKey, token);
    await this.calls
      .run('dequeue', key, token, timeoutMs, () => store.dequeue!(storeKey, token))
      .catch((error: unknown) =>
        this.reportError({ key, operation: 'dequeue', error: error as LockStoreError }),
      );
  }

  #abandon(storeKey: string, token: string): void {
    const now = Date.now();
    for (const [old, entry] of this.#abandoned) {
      if (entry.until > now) break;
      this.#abandoned.delete(old);
    }
    this.#abandoned.set(token, { storeKey, until: now + 2 * DEFAULT_WAITER_TTL });
  }

  /**
   * A release was announced; `next` is the waiter whose turn it is, if any. With `grant`, the
   * store already gave `next` the lock: only that waiter is told (it takes the lease); nobody
   * else has a reason to try. A grant for a waiter of ours that has given up is released, so the
   * store passes the lock on.
   */
  released(storeKey: string, next: string | undefined, grant?: StoreGrant): void {
    if (grant && next !== undefined) {
      const waiter = this.#byKey.get(storeKey)?.byToken.get(next);
      if (waiter) waiter.grant(grant);
      else if (this.#abandoned.get(next)?.storeKey === storeKey) {
        this.#abandoned.delete(next);
        this.calls.releaseLate(storeKey, next, { acquired: true, fence: grant.fence });
      }
      return;
    }
    const waiters = this.#byKey.get(storeKey);
    if (!waiters) return;
    if (next !== undefined) {
      waiters.fair.get(next)?.wake();
    } else {
      // Nobody is queued in the store (our entries expired): any fair waiter may take it.
      for (const waiter of waiters.fair.values()) waiter.wake();
    }
    // A plain head tries too; if a queue exists it joins it instead of barging.
    waiters.head?.wake();
  }

  /** Make the chosen waiters' waits reject with `error` (the engine is closing). */
  fail(error: unknown, chosen: (waiter: Waiter) => boolean = () => true): void {
    for (const waiters of this.#byKey.values()) {
      for (const waiter of waiters.queue) if (chosen(waiter)) waiter.fail(error);
      for (const waiter of waiters.fair.values()) if (chosen(waiter)) waiter.fail(error);
    }
  }

  /** Fail every waiter with `error` and drop every subscription (the engine is closed). */
  close(error: unknown): void {
    this.#closed = true;
    this.#abandoned.clear();
    this.fail(error);
    for (const waiters of this.#byKey.values()) {
      if (waiters.lingerTimer) clearTimeout(waiters.lingerTimer);
      waiters.lingerTimer = undefined;
      waiters.unsubscribe?.();
      waiters.unsubscribe = undefined;
    }
    this.#byKey.clear();
  }
}
