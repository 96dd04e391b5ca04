import { LockConfigError, LockStoreError } from '../engine/errors';
import type {
  AcquireResult,
  LockInfo,
  LockStore,
  RenewRequest,
  StoreAcquireOptions,
} from './lock-store';
import { RedisLockStore, type RedisClient } from './redis-lock-store';
import { checkClients, checkOptions, nodeName, type RedlockStoreOptions } from './redlock-options';
import { RedlockQuorum, type RedlockNode, type Tally } from './redlock-quorum';

export type { RedlockStoreOptions } from './redlock-options';

/** Redis expires keys with about a millisecond of precision (the Redlock reference adds 2). */
const EXPIRY_PRECISION_MS = 2;

/**
 * A {@link LockStore} over several independent Redis masters (the Redlock algorithm): a lock is
 * taken when a quorum of the nodes grants it within its validity time, and every operation is
 * sent to every node in parallel, each bounded by `nodeTimeout`. Each node is a
 * {@link RedisLockStore} on the client you pass (so the same scripts and key layout); the clients
 * stay yours, `close()` closes only what the node stores opened.
 *
 * - Up to `nodes − quorum` nodes may fail (2 of 5 by default) and locks still work; with more,
 *   operations reject with a `LockStoreError` that names the failed nodes.
 * - A lock held by others on a quorum is "busy" (`acquired: false`), never an error; when no
 *   owner has a quorum (a split vote) the attempt is undone and reported busy with an unknown ttl,
 *   so the engine retries after a jittered backoff.
 * - Fences are the largest fence of the granting nodes: strictly increasing per key as long as
 *   the nodes' clocks agree to within the time between one holder taking the lock and the next
 *   (see docs/design.md, "RedlockStore").
 * - Fair (FIFO) locks are not supported: each node would keep its own queue order.
 *
 * @example
 * const store = new RedlockStore([new Redis(urlA), new Redis(urlB), new Redis(urlC)]);
 * const engine = new LockEngine({ store });
 */
export class RedlockStore implements LockStore {
  /**
   * How many nodes must agree (a majority unless configured otherwise).
   *
   * @example
   * new RedlockStore([a, b, c, d, e]).quorum; // 3
   */
  readonly quorum: number;
  readonly #nodes: readonly RedlockNode[];
  readonly #driftFactor: number;
  readonly #vote: RedlockQuorum;
  #closed = false;

  /**
   * Checks the clients and options at once: the same client or address twice, fewer clients than
   * the quorum, or a quorum below a majority is a `LockConfigError`.
   *
   * @param clients one Redis client (any kind RedisLockStore accepts) per independent master (not
   * replicas of each other), each created and closed by you.
   * @param options quorum, drift and per-node timeout; all have defaults
   */
  constructor(clients: readonly RedisClient[], options: RedlockStoreOptions = {}) {
    const where = 'new RedlockStore()';
    checkClients(where, clients);
    const { quorum, driftFactor, nodeTimeout } = checkOptions(where, options, clients.length);
    this.quorum = quorum;
    this.#driftFactor = driftFactor;
    this.#nodes = clients.map((client, index) => ({
      name: nodeName(client, index),
      store: new RedisLockStore(client),
    }));
    this.#vote = new RedlockQuorum(this.#nodes, quorum, nodeTimeout);
  }

  async acquire(
    key: string,
    owner: string,
    ttl: number,
    options: StoreAcquireOptions = {},
  ): Promise<AcquireResult> {
    if (options.fair) {
      throw new LockConfigError(
        `RedlockStore: fair locks are not supported (each node would keep its own queue order, so no waiter could be first on a quorum); acquire "${key}" without "fair", or use a RedisLockStore.`,
      );
    }
    const startedAt = performance.now();
    const nodeOptions: StoreAcquireOptions = { metadata: options.metadata, once: options.once };
    const tally = await this.#vote.ask(
      (node) => node.store.acquire(key, owner, ttl, nodeOptions),
      // A quorum held by others cannot turn into a grant, whatever the other nodes say.
      (t) =>
        t.failures.length > this.#vote.tolerated || refused(t) >= this.quorum || t.pending === 0,
    );
    const fences = tally.answers.flatMap(({ value }) => (value.acquired ? [value.fence] : []));
    if (fences.length >= this.quorum) {
      const elapsed = performance.now() - startedAt;
      const drift = Math.floor(ttl * this.#driftFactor) + EXPIRY_PRECISION_MS;
      if (ttl - elapsed - drift > 0) return { acquired: true, fence: Math.max(...fences) };
      await this.#undo(key, owner, tally);
      throw new LockStoreError(
        `RedlockStore: a quorum granted "${key}" only after ${Math.round(elapsed)} ms, which leaves nothing of its ttl of ${ttl} ms once ${drift} ms are set aside for clock drift. Raise the ttl, or lower nodeTimeout.`,
      );
    }
    await this.#undo(key, owner, tally);
    if (tally.failures.length > this.#vote.tolerated) {
      throw this.#vote.unreachable('acquire', key, tally, [owner]);
    }
    return { acquired: false, ttl: this.#busyFor(tally) };
  }

  async renew(key: string, owner: string, ttl: number): Promise<boolean> {
    const tally = await this.#vote.ask(
      (node) => node.store.renew(key, owner, ttl),
      (t) => this.#vote.decided(t),
    );
    return this.#vote.verdict('renew', key, tally, [owner]);
  }

  async renewMany(requests: readonly RenewRequest[]): Promise<Array<boolean | Error>> {
    // One batch per node (a pipeline each); each entry is then judged like a single renew, and
    // the batch is settled once every entry is: renewals do not wait out nodeTimeout on the
    // nodes that are down while a quorum has answered.
    const tally = await this.#vote.ask(
      (node) => node.store.renewMany(requests),
      (t) => requests.every((_, i) => this.#vote.decided(entryTally(t, i))),
    );
    const owners = requests.map((request) => request.owner);
    return requests.map((request, i) => {
      try {
        return this.#vote.verdict('renew', request.key, entryTally(tally, i), owners);
      } catch (error) {
        return error as Error;
      }
    });
  }

  async release(key: string, owner: string): Promise<boolean> {
    const tally = await this.#vote.ask(
      (node) => node.store.release(key, owner),
      (t) => this.#vote.decided(t),
    );
    return this.#vote.verdict('release', key, tally, [owner]);
  }

  async inspect(key: string): Promise<LockInfo | null> {
    const free = (t: Tally<LockInfo | null>): number =>
      t.answers.filter(({ value }) => value === null).length;
    const tally = await this.#vote.ask(
      (node) => node.store.inspect(key),
      // With more than `tolerated` nodes free, no owner can hold a quorum.
      (t) =>
        free(t) > this.#vote.tolerated ||
        t.failures.length > this.#vote.tolerated ||
        t.pending === 0,
    );
    if (free(tally) > this.#vote.tolerated) return null;
    if (tally.failures.length > this.#vote.tolerated)
      throw this.#vote.unreachable('inspect', key, tally);
    const held = tally.answers.flatMap(({ value }) => (value ? [value] : []));
    if (held.length < this.quorum) return null;
    // The lock lasts while a quorum of nodes keeps it: until the quorum-th longest ttl.
    const ttls = held.map((info) => info.ttl).sort((a, b) => b - a);
    const newest = held.reduce((a, b) => (b.fence > a.fence ? b : a));
    return {
      ttl: ttls[this.quorum - 1]!,
      fence: newest.fence,
      holds: 1,
      metadata: newest.metadata,
    };
  }

  async forceRelease(key: string): Promise<boolean> {
    const tally = await this.#vote.ask(
      (node) => node.store.forceRelease(key),
      (t) => t.pending === 0,
    );
    // Deleted on all but at most `tolerated` nodes, so no owner keeps a quorum.
    if (tally.failures.length > this.#vote.tolerated) {
      throw this.#vote.unreachable('forceRelease', key, tally);
    }
    return tally.answers.some(({ value }) => value);
  }

  /**
   * What each node's store says threatens lock safety (an evicting `maxmemory-policy`), each
   * warning naming its node. Never fails: a node that cannot be asked says nothing.
   */
  async checkConfiguration(): Promise<readonly string[]> {
    const perNode = await Promise.all(
      this.#nodes.map(async ({ name, store }) => {
        const warnings = await store.checkConfiguration();
        return warnings.map((warning) => `${name}: ${warning}`);
      }),
    );
    return perNode.flat();
  }

  /**
   * Release notifications from every node, one call per release. A release reaches each node
   * that holds the key, and each of them announces it: the first announcement is passed on, and
   * the others are recognised as echoes until a node announces a second time (a new release) or
   * `nodeTimeout` has passed. Resolves once a quorum of nodes delivers notifications: a holder's
   * release always reaches at least one of them.
   */
  async onRelease(key: string, listener: (next: string | undefined) => void): Promise<() => void> {
    const heard = new Set<RedlockNode>();
    let lastCall = -Infinity;
    let active = true;
    const stops: Array<() => void> = [];
    const hear = (node: RedlockNode, next: string | undefined): void => {
      if (!active) return;
      const now = performance.now();
      if (heard.size > 0 && !heard.has(node) && now - lastCall < this.#vote.nodeTimeout) {
        heard.add(node);
        return;
      }
      heard.clear();
      heard.add(node);
      lastCall = now;
      listener(next);
    };
    const keep = (stop: () => void): void => {
      if (active) stops.push(stop);
      else stop();
    };
    const unsubscribe = (): void => {
      active = false;
      for (const stop of stops.splice(0)) stop();
    };
    const tally = await this.#vote.ask(
      (node) => node.store.onRelease(key, (next) => hear(node, next)),
      (t) =>
        t.answers.length >= this.quorum ||
        t.failures.length > this.#vote.tolerated ||
        t.pending === 0,
      // A subscription that completes after the verdict (or after nodeTimeout) still counts.
      (_node, stop) => keep(stop),
    );
    for (const { value: stop } of tally.answers) keep(stop);
    if (tally.failures.length > this.#vote.tolerated) {
      unsubscribe();
      throw this.#vote.unreachable('subscribe', key, tally);
    }
    return unsubscribe;
  }

  /**
   * Close what the node stores opened (their subscriber connections), never your clients.
   *
   * @example
   * await engine.close();
   * await store.close();
   * await Promise.all(masters.map((client) => client.quit()));
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      this.#nodes.map(async ({ store }) => {
        await store.close().catch(() => undefined);
      }),
    );
  }

  /**
   * Give back a failed attempt's grants: every node that did not refuse may hold one (a node that
   * failed or has not answered yet may still grant it; the undo reaches it after the acquire, on
   * the same connection). Only the nodes that answered are awaited.
   *
   * A grant is given back by renewing it to 1 ms, not by releasing it: a release announces itself
   * to every waiter, and after a split vote each waiter's undo would wake the others at once, in
   * step, to split again. Silently expiring grants leave the retry to each waiter's jittered
   * backoff, as Redlock prescribes.
   */
  async #undo(key: string, owner: string, tally: Tally<AcquireResult>): Promise<void> {
    const granted = new Set(tally.answers.filter((a) => a.value.acquired).map((a) => a.node));
    const refusing = new Set(tally.answers.filter((a) => !a.value.acquired).map((a) => a.node));
    const awaited: Array<Promise<unknown>> = [];
    for (const node of this.#nodes) {
      if (refusing.has(node)) continue;
      const undone = this.#vote
        .bounded(node, (n) => n.store.renew(key, owner, 1))
        .catch(() => false);
      if (granted.has(node)) awaited.push(undone);
    }
    await Promise.all(awaited);
  }

  /**
   * How long until a busy lock can be taken: until enough of the refusing nodes are free to make
   * a quorum with those we gave back; `-1` (unknown) after a split vote, where nobody held a
   * quorum and the engine retries after its jittered backoff.
   */
  #busyFor(tally: Tally<AcquireResult>): number {
    const ttls = tally.answers
      .flatMap(({ value }) => (value.acquired ? [] : [value.ttl]))
      .sort((a, b) => a - b);
    if (ttls.length < this.quorum) return -1;
    const granted = tally.answers.length - ttls.length;
    return ttls[this.quorum - granted - 1]!;
  }
}

function refused(tally: Tally<AcquireResult>): number {
  return tally.answers.filter(({ value }) => !value.acquired).length;
}

/** What the nodes said so far about entry `i` of a `renewMany` batch, as a single renew's tally. */
function entryTally(tally: Tally<Array<boolean | Error>>, i: number): Tally<boolean> {
  const entry: Tally<boolean> = {
    answers: [],
    failures: [...tally.failures],
    pending: tally.pending,
  };
  for (const { node, value } of tally.answers) {
    const result = value[i];
    if (typeof result === 'boolean') entry.answers.push({ node, value: result });
    else
      entry.failures.push({ node, error: result ?? new LockStoreError('no reply for this entry') });
  }
  return entry;
}
