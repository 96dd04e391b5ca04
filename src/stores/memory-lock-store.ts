import {
  DEFAULT_FENCE_GRACE,
  DEFAULT_WAITER_TTL,
  type AcquireResult,
  type LockInfo,
  type LockStore,
  type ReleaseOptions,
  type RenewRequest,
  type StoreAcquireOptions,
  type StoreGrant,
} from './lock-store';

/** A head whose place in the queue lapses sooner than this is woken, not granted the lock. */
const MIN_GRANT_MS = 250;

type ReleaseListener = (next: string | undefined, grant?: StoreGrant) => void;

/**
 * Options of {@link MemoryLockStore}.
 *
 * @example
 * let now = 0;
 * const store = new MemoryLockStore({ clock: () => now, fenceGrace: 1_000 });
 */
export interface MemoryLockStoreOptions {
  /**
   * The store's clock in ms. Expiry is measured by it, as Redis measures it by its own.
   * @default Date.now
   * @example
   * // A test that moves time by hand: locks expire when `now` passes their ttl.
   * let now = 1_000;
   * const store = new MemoryLockStore({ clock: () => now });
   * now += 30_000;
   */
  clock?: () => number;
  /**
   * How long the last fence of a lock is remembered after the lock could have expired, in ms.
   * @default 60_000
   * @example
   * new MemoryLockStore({ fenceGrace: 5 * 60_000 }); // remember fences for 5 minutes
   */
  fenceGrace?: number;
}

interface Entry {
  owner: string;
  fence: number;
  metadata: string;
  expiresAt: number;
  /** The queue ticket of a waiter the lock was granted to. */
  ticket?: number;
}

interface FenceMemo {
  fence: number;
  forgetAt: number;
}

interface QueuedWaiter {
  ticket: number;
  deadline: number;
  /** What a grant needs: the ttl and metadata of the waiter's latest queued attempt. */
  ttl: number;
  metadata: string;
  /** A release's named successor may be granted ahead of it (a plain caller's registration). */
  overtakable: boolean;
}

/** A release's successor is looked for among this many waiters ahead of it at most. */
const MAX_OVERTAKEN = 16;

const SWEEP_EVERY = 1024;

/**
 * A real in-process {@link LockStore}: expiry by its own clock, fencing tokens, release
 * notifications, fair queues. For tests and single-process applications; it passes the same
 * contract suite as the Redis store. Locks are only shared within one process (and its engines).
 *
 * @example
 * const store = new MemoryLockStore();
 * const engine = new LockEngine({ store });
 * await engine.withLock('orders:42', async (lock) => console.log(lock.fence));
 * await engine.close();
 * await store.close();
 */
export class MemoryLockStore implements LockStore {
  /** A release grants the lock to the live head of the key's queue (see `LockStore.grants`). */
  readonly grants = true;
  readonly #clock: () => number;
  readonly #fenceGrace: number;
  readonly #locks = new Map<string, Entry>();
  readonly #fences = new Map<string, FenceMemo>();
  readonly #listeners = new Map<string, Set<ReleaseListener>>();
  /** Fair queues: insertion order is ticket order, so the first entry is the head. */
  readonly #queues = new Map<string, Map<string, QueuedWaiter>>();
  #lastTicket = 0;
  #operations = 0;

  /**
   * An empty store.
   *
   * @param options the store's clock and fence memory; both have defaults
   */
  constructor(options: MemoryLockStoreOptions = {}) {
    this.#clock = options.clock ?? (() => Date.now());
    this.#fenceGrace = options.fenceGrace ?? DEFAULT_FENCE_GRACE;
  }

  acquire(
    key: string,
    owner: string,
    ttl: number,
    options: StoreAcquireOptions = {},
  ): Promise<AcquireResult> {
    this.#maybeSweep();
    const now = this.#clock();
    const entry = this.#live(key, now);
    if (entry?.owner === owner) {
      // Also a granted waiter that missed the grant's message: its lease starts again now.
      entry.expiresAt = now + ttl;
      const memo = this.#fences.get(key);
      if (memo) memo.forgetAt = Math.max(memo.forgetAt, now + ttl + this.#fenceGrace);
      return Promise.resolve(
        entry.ticket === undefined
          ? { acquired: true, fence: entry.fence }
          : { acquired: true, fence: entry.fence, ticket: entry.ticket },
      );
    }
    const queue = this.#queue(key, now);
    const head = queue?.keys().next().value;
    if (!entry && (head === undefined || head === owner)) {
      const ticket = head === undefined ? undefined : queue?.get(owner)?.ticket;
      if (head !== undefined) this.#leaveQueue(key, owner);
      const fence = this.#take(key, owner, ttl, options.metadata ?? '', now);
      return Promise.resolve(
        ticket === undefined ? { acquired: true, fence } : { acquired: true, fence, ticket },
      );
    }
    const holderTtl = entry ? entry.expiresAt - now : -1;
    // Fair callers always queue; others join an existing queue, so nobody barges past it.
    if (options.once || (!options.fair && head === undefined)) {
      return Promise.resolve({ acquired: false, ttl: holderTtl });
    }
    let waiters = queue;
    if (!waiters) {
      waiters = new Map();
      this.#queues.set(key, waiters);
    }
    const deadline = now + (options.waiterTtl ?? DEFAULT_WAITER_TTL);
    const metadata = options.metadata ?? '';
    const overtakable = options.overtakable === true;
    const queued = waiters.get(owner);
    if (queued && queued.deadline > now) {
      queued.deadline = deadline;
      queued.ttl = ttl;
      queued.metadata = metadata;
      queued.overtakable = overtakable;
    } else {
      // A waiter that stopped refreshing lost its place, as in Redis.
      waiters.delete(owner);
      waiters.set(owner, { ticket: ++this.#lastTicket, deadline, ttl, metadata, overtakable });
    }
    return Promise.resolve({ acquired: false, ttl: holderTtl, queued: true, serverTime: now });
  }

  renew(key: string, owner: string, ttl: number): Promise<boolean> {
    const now = this.#clock();
    const entry = this.#live(key, now);
    if (!entry || entry.owner !== owner) return Promise.resolve(false);
    entry.expiresAt = now + ttl;
    const memo = this.#fences.get(key);
    if (memo) memo.forgetAt = now + ttl + this.#fenceGrace;
    return Promise.resolve(true);
  }

  async renewMany(requests: readonly RenewRequest[]): Promise<Array<boolean | Error>> {
    return Promise.all(requests.map((r) => this.renew(r.key, r.owner, r.ttl)));
  }

  release(key: string, owner: string, options?: ReleaseOptions): Promise<boolean> {
    const entry = this.#live(key, this.#clock());
    if (!entry || entry.owner !== owner) return Promise.resolve(false);
    this.#locks.delete(key);
    this.#grantHead(key, options?.successor);
    return Promise.resolve(true);
  }

  dequeue(key: string, owner: string): Promise<boolean> {
    let removed = this.#leaveQueue(key, owner);
    const now = this.#clock();
    const entry = this.#live(key, now);
    // Granted while it was giving up: release, so the next waiter gets it.
    const granted = entry?.owner === owner;
    if (granted) {
      this.#locks.delete(key);
      removed = true;
    }
    if (removed && (!entry || granted)) {
      if (this.#queue(key, now)) this.#grantHead(key);
      else if (granted) this.#notify(key, undefined);
    }
    return Promise.resolve(removed);
  }

  inspect(key: string): Promise<LockInfo | null> {
    const now = this.#clock();
    const entry = this.#live(key, now);
    if (!entry) return Promise.resolve(null);
    return Promise.resolve({
      ttl: entry.expiresAt - now,
      fence: entry.fence,
      holds: 1,
      metadata: entry.metadata,
    });
  }

  forceRelease(key: string): Promise<boolean> {
    const entry = this.#live(key, this.#clock());
    if (!entry) return Promise.resolve(false);
    this.#locks.delete(key);
    // No grant: the head is woken and tries (as force-release.lua does).
    this.#notify(key, this.#queue(key, this.#clock())?.keys().next().value);
    return Promise.resolve(true);
  }

  onRelease(key: string, listener: ReleaseListener): Promise<() => void> {
    let set = this.#listeners.get(key);
    if (!set) {
      set = new Set();
      this.#listeners.set(key, set);
    }
    set.add(listener);
    return Promise.resolve(() => {
      const current = this.#listeners.get(key);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.#listeners.delete(key);
    });
  }

  /**
   * Drop the release listeners; the locks stay (there is no connection to close).
   *
   * @example
   * await engine.close();
   * await store.close();
   */
  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }

  /**
   * Number of remembered entries (locks, fences, queues); bounded by live locks and waiters.
   *
   * @example
   * const store = new MemoryLockStore();
   * store.size; // 0
   */
  get size(): number {
    return this.#locks.size + this.#fences.size + this.#queues.size;
  }

  /**
   * The fair queue of `key`, after dropping gone waiters from its head (only the head decides
   * who goes next, so a gone waiter further back is dropped when it gets there; no call walks
   * the whole queue).
   */
  #queue(key: string, now: number): Map<string, QueuedWaiter> | undefined {
    const queue = this.#queues.get(key);
    if (!queue) return undefined;
    for (const [owner, waiter] of queue) {
      if (waiter.deadline > now) break;
      queue.delete(owner);
    }
    if (queue.size > 0) return queue;
    this.#queues.delete(key);
    return undefined;
  }

  #leaveQueue(key: string, owner: string): boolean {
    const queue = this.#queues.get(key);
    if (!queue?.delete(owner)) return false;
    if (queue.size === 0) this.#queues.delete(key);
    return true;
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#locks.get(key);
    if (entry && entry.expiresAt <= now) {
      this.#locks.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Take `key` for `owner`; returns its fence. */
  #take(key: string, owner: string, ttl: number, metadata: string, now: number): number {
    // Same scheme as the Redis scripts: clock-based fences, bumped past the remembered last one.
    const memo = this.#fences.get(key);
    let fence = Math.floor(now) * 1000;
    if (memo && memo.forgetAt > now && fence <= memo.fence) fence = memo.fence + 1;
    this.#fences.set(key, { fence, forgetAt: now + ttl + this.#fenceGrace });
    this.#locks.set(key, { owner, fence, metadata, expiresAt: now + ttl });
    return fence;
  }

  /**
   * The lock of `key` was freed: grant it to the live head of its queue (gone waiters are dropped
   * first), or to `successor` if only overtakable waiters are ahead of it, and announce the
   * grant, or announce that nobody is queued (as release.lua does).
   */
  #grantHead(key: string, successor?: string): void {
    const now = this.#clock();
    const queue = this.#queue(key, now);
    const preferred = successor === undefined ? undefined : this.#preferred(queue, successor, now);
    if (successor !== undefined && preferred) {
      this.#grant(key, successor, preferred, now);
      return;
    }
    const [head, waiter] = queue?.entries().next().value ?? [];
    if (head === undefined || waiter === undefined) {
      this.#notify(key, undefined);
      return;
    }
    if (waiter.deadline - now < MIN_GRANT_MS) {
      // Its place lapses soon (no recent refresh): woken, it tries (as grant-head.lua does).
      this.#notify(key, head);
      return;
    }
    this.#grant(key, head, waiter, now);
  }

  /** `successor`'s entry if a release may grant it ahead of the head (as grant-head.lua). */
  #preferred(
    queue: Map<string, QueuedWaiter> | undefined,
    successor: string,
    now: number,
  ): QueuedWaiter | undefined {
    let ahead = 0;
    for (const [owner, waiter] of queue ?? []) {
      if (owner === successor) return waiter.deadline - now >= MIN_GRANT_MS ? waiter : undefined;
      if (!waiter.overtakable || ++ahead > MAX_OVERTAKEN) return undefined;
    }
    return undefined;
  }

  #grant(key: string, head: string, waiter: QueuedWaiter, now: number): void {
    this.#leaveQueue(key, head);
    // No longer than the waiter would have stayed queued (see StoreGrant.ttl).
    const ttl = Math.min(waiter.ttl, waiter.deadline - now);
    const fence = this.#take(key, head, ttl, waiter.metadata, now);
    this.#locks.get(key)!.ticket = waiter.ticket;
    const grant: StoreGrant = { fence, serverTime: now, ticket: waiter.ticket };
    if (ttl < waiter.ttl) grant.ttl = ttl;
    this.#notify(key, head, grant);
  }

  #notify(key: string, next: string | undefined, grant?: StoreGrant): void {
    const set = this.#listeners.get(key);
    if (!set) return;
    const listeners = [...set];
    // Deliver asynchronously, as pub/sub would, and without a timer a fake clock could hold.
    void Promise.resolve().then(() => {
      for (const listener of listeners) listener(next, grant);
    });
  }

  #maybeSweep(): void {
    if (++this.#operations % SWEEP_EVERY !== 0) return;
    const now = this.#clock();
    for (const [key, entry] of this.#locks) if (entry.expiresAt <= now) this.#locks.delete(key);
    for (const [key, memo] of this.#fences) if (memo.forgetAt <= now) this.#fences.delete(key);
    for (const [key, queue] of this.#queues) {
      for (const [owner, waiter] of queue) if (waiter.deadline <= now) queue.delete(owner);
      if (queue.size === 0) this.#queues.delete(key);
    }
  }
}
