import { LockConfigError, LockStoreError } from '../engine/errors';
import {
  checkOptions as checkSpec,
  describeValue,
  optionError,
  positiveMs,
  type OptionSpec,
} from '../engine/validate';
import type {
  AcquireResult,
  LockInfo,
  LockStore,
  RenewRequest,
  StoreAcquireOptions,
} from './lock-store';
import { ACCEPTED_CLIENTS, detectClient } from './clients/detect-client';
import { redactError } from './redact-error';
import { RedisLockStore, type RedisClient } from './redis-lock-store';

/**
 * Options of {@link RedlockStore}.
 *
 * @example
 * new RedlockStore(masters, { quorum: 4, driftFactor: 0.02, nodeTimeout: 200 });
 */
export interface RedlockStoreOptions {
  /**
   * How many nodes must grant a lock, and answer any operation, for it to succeed. At least a
   * majority of the nodes: with less, two owners could each hold a quorum at once.
   * @default a majority: `Math.floor(clients.length / 2) + 1`
   * @example
   * new RedlockStore(fiveMasters, { quorum: 4 }); // survives 1 failed node instead of 2
   */
  quorum?: number;
  /**
   * The share of a lock's ttl set aside for clocks running at different rates: a lock counts as
   * taken only if `ttl − elapsed − (ttl × driftFactor + 2 ms)` is still positive once a quorum
   * has granted it (the Redlock validity time). A number from 0 up to, not including, 1.
   * @default 0.01
   * @example
   * new RedlockStore(masters, { driftFactor: 0.05 }); // 5 % of each ttl set aside
   */
  driftFactor?: number;
  /**
   * How long one node may take to answer one operation, in ms; a node that takes longer counts
   * as failed for that operation (its late reply is still honoured: a late grant is given back
   * unless the lock was taken). Keep it well below your ttls: an unanswering node delays an
   * acquire by this much.
   * @default 500
   * @example
   * new RedlockStore(masters, { nodeTimeout: 100 }); // masters on a fast local network
   */
  nodeTimeout?: number;
}

const DEFAULT_DRIFT_FACTOR = 0.01;
const DEFAULT_NODE_TIMEOUT = 500;
/** Redis expires keys with about a millisecond of precision (the Redlock reference adds 2). */
const EXPIRY_PRECISION_MS = 2;

/** One independent master, as error messages name it. */
interface Node {
  readonly name: string;
  readonly store: RedisLockStore;
}

/** A node that failed one operation: it answered with an error or not within `nodeTimeout`. */
interface Failure {
  readonly node: Node;
  readonly error: unknown;
}

/** What the nodes have said so far about one operation. */
interface Tally<T> {
  readonly answers: Array<{ node: Node; value: T }>;
  readonly failures: Failure[];
  pending: number;
}

/** The reason a node gave no answer in time; a message, not a value from the node. */
class NodeTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no reply within ${timeoutMs} ms (nodeTimeout)`);
    this.name = 'NodeTimeout';
  }
}

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
  readonly #nodes: readonly Node[];
  readonly #driftFactor: number;
  readonly #nodeTimeout: number;
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
    this.#nodeTimeout = nodeTimeout;
    this.#nodes = clients.map((client, index) => ({
      name: nodeName(client, index),
      store: new RedisLockStore(client),
    }));
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
    const tally = await this.#ask(
      (node) => node.store.acquire(key, owner, ttl, nodeOptions),
      // A quorum held by others cannot turn into a grant, whatever the other nodes say.
      (t) => t.failures.length > this.#tolerated || refused(t) >= this.quorum || t.pending === 0,
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
    if (tally.failures.length > this.#tolerated) {
      throw this.#unreachable('acquire', key, tally, [owner]);
    }
    return { acquired: false, ttl: this.#busyFor(tally) };
  }

  async renew(key: string, owner: string, ttl: number): Promise<boolean> {
    const tally = await this.#ask(
      (node) => node.store.renew(key, owner, ttl),
      (t) => this.#decided(t),
    );
    return this.#verdict('renew', key, tally, [owner]);
  }

  async renewMany(requests: readonly RenewRequest[]): Promise<Array<boolean | Error>> {
    // One batch per node (a pipeline each); each entry is then judged like a single renew.
    const tally = await this.#ask(
      (node) => node.store.renewMany(requests),
      (t) => t.pending === 0,
    );
    const owners = requests.map((request) => request.owner);
    return requests.map((request, i) => {
      const entry: Tally<boolean> = { answers: [], failures: [...tally.failures], pending: 0 };
      for (const { node, value } of tally.answers) {
        const result = value[i];
        if (typeof result === 'boolean') entry.answers.push({ node, value: result });
        else entry.failures.push({ node, error: result ?? new Error('no reply for this entry') });
      }
      try {
        return this.#verdict('renew', request.key, entry, owners);
      } catch (error) {
        return error as Error;
      }
    });
  }

  async release(key: string, owner: string): Promise<boolean> {
    const tally = await this.#ask(
      (node) => node.store.release(key, owner),
      (t) => this.#decided(t),
    );
    return this.#verdict('release', key, tally, [owner]);
  }

  async inspect(key: string): Promise<LockInfo | null> {
    const free = (t: Tally<LockInfo | null>): number =>
      t.answers.filter(({ value }) => value === null).length;
    const tally = await this.#ask(
      (node) => node.store.inspect(key),
      // With more than `tolerated` nodes free, no owner can hold a quorum.
      (t) => free(t) > this.#tolerated || t.failures.length > this.#tolerated || t.pending === 0,
    );
    if (free(tally) > this.#tolerated) return null;
    if (tally.failures.length > this.#tolerated) throw this.#unreachable('inspect', key, tally);
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
    const tally = await this.#ask(
      (node) => node.store.forceRelease(key),
      (t) => t.pending === 0,
    );
    // Deleted on all but at most `tolerated` nodes, so no owner keeps a quorum.
    if (tally.failures.length > this.#tolerated) {
      throw this.#unreachable('forceRelease', key, tally);
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
    const heard = new Set<Node>();
    let lastCall = -Infinity;
    let active = true;
    const stops: Array<() => void> = [];
    const hear = (node: Node, next: string | undefined): void => {
      if (!active) return;
      const now = performance.now();
      if (heard.size > 0 && !heard.has(node) && now - lastCall < this.#nodeTimeout) {
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
    const tally = await this.#ask(
      (node) => node.store.onRelease(key, (next) => hear(node, next)),
      (t) =>
        t.answers.length >= this.quorum || t.failures.length > this.#tolerated || t.pending === 0,
      // A subscription that completes after the verdict (or after nodeTimeout) still counts.
      (_node, stop) => keep(stop),
    );
    for (const { value: stop } of tally.answers) keep(stop);
    if (tally.failures.length > this.#tolerated) {
      unsubscribe();
      throw this.#unreachable('subscribe', key, tally);
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

  /** How many nodes may fail while operations still succeed. */
  get #tolerated(): number {
    return this.#nodes.length - this.quorum;
  }

  /**
   * Send `call` to every node at once, each bounded by `nodeTimeout`, and resolve with what they
   * said as soon as `decided` says the answers so far settle the question (at the latest when
   * every node has answered or timed out). Answers after that go to `straggler`.
   */
  #ask<T>(
    call: (node: Node) => Promise<T>,
    decided: (tally: Tally<T>) => boolean,
    straggler?: (node: Node, value: T) => void,
  ): Promise<Tally<T>> {
    return new Promise((resolve) => {
      const tally: Tally<T> = { answers: [], failures: [], pending: this.#nodes.length };
      let done = false;
      const settleIfDecided = (): void => {
        if (done || !decided(tally)) return;
        done = true;
        resolve({
          answers: [...tally.answers],
          failures: [...tally.failures],
          pending: tally.pending,
        });
      };
      for (const node of this.#nodes) {
        this.#bounded(node, call, straggler).then(
          (value) => {
            if (done) {
              straggler?.(node, value);
              return;
            }
            tally.pending -= 1;
            tally.answers.push({ node, value });
            settleIfDecided();
          },
          (error: unknown) => {
            if (done) return;
            tally.pending -= 1;
            tally.failures.push({ node, error });
            settleIfDecided();
          },
        );
      }
    });
  }

  /** `call` on one node, rejecting with {@link NodeTimeout} after `nodeTimeout`. */
  #bounded<T>(
    node: Node,
    call: (node: Node) => Promise<T>,
    late?: (node: Node, value: T) => void,
  ): Promise<T> {
    let operation: Promise<T>;
    try {
      operation = call(node);
    } catch (error) {
      return Promise.reject(asError(error));
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        // Replies that arrived while this process was busy are read in the poll phase, which runs
        // before setImmediate callbacks: a stalled event loop is not mistaken for a slow node.
        setImmediate(() => {
          if (settled) return;
          settled = true;
          reject(new NodeTimeout(this.#nodeTimeout));
          operation.then(
            (value) => late?.(node, value),
            () => undefined,
          );
        });
      }, this.#nodeTimeout);
      timer.unref();
      operation.then(
        (value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(asError(error));
        },
      );
    });
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
      const undone = this.#bounded(node, (n) => n.store.renew(key, owner, 1)).catch(() => false);
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

  /** Whether a yes/no operation (renew, release) is settled by the answers so far. */
  #decided(t: Tally<boolean>): boolean {
    const yes = t.answers.filter(({ value }) => value).length;
    const no = t.answers.length - yes;
    return (
      yes >= this.quorum ||
      no > this.#tolerated ||
      t.failures.length > this.#tolerated ||
      t.pending === 0
    );
  }

  /** A quorum said yes: `true`; too many said no: `false`; otherwise the nodes that failed. */
  #verdict(operation: string, key: string, t: Tally<boolean>, secrets: readonly string[]): boolean {
    const yes = t.answers.filter(({ value }) => value).length;
    const no = t.answers.length - yes;
    if (yes >= this.quorum) return true;
    if (no > this.#tolerated) return false;
    if (t.failures.length > this.#tolerated) {
      throw this.#unreachable(operation, key, t, secrets);
    }
    throw new LockStoreError(
      `RedlockStore: ${operation} of "${key}" is undecided: ${yes} of ${this.#nodes.length} nodes said yes and ${no} no (quorum ${this.quorum}), and ${failedNodes(t.failures, secrets)}.`,
      { cause: failureCause(t.failures, secrets) },
    );
  }

  /** Too many nodes failed for the answers to mean anything. */
  #unreachable(
    operation: string,
    key: string,
    t: Tally<unknown>,
    secrets: readonly string[] = [],
  ): LockStoreError {
    return new LockStoreError(
      `RedlockStore: ${operation} of "${key}" needs ${this.quorum} of ${this.#nodes.length} nodes, but ${failedNodes(t.failures, secrets)}.`,
      { cause: failureCause(t.failures, secrets) },
    );
  }
}

function refused(tally: Tally<AcquireResult>): number {
  return tally.answers.filter(({ value }) => !value.acquired).length;
}

/** "2 nodes failed: node 3 (127.0.0.1:7003): …; node 4 (…): …", without any secret. */
function failedNodes(failures: readonly Failure[], secrets: readonly string[]): string {
  const each = failures.map(
    ({ node, error }) => `${node.name}: ${redactError(error, secrets).message}`,
  );
  return `${failures.length} ${failures.length === 1 ? 'node' : 'nodes'} failed: ${each.join('; ')}`;
}

/**
 * The nodes' errors, each named after its node, as redacted copies: a client's error may carry
 * the command's arguments, an owner token among them.
 */
function failureCause(failures: readonly Failure[], secrets: readonly string[]): AggregateError {
  return new AggregateError(
    failures.map(({ node, error }) => {
      const redacted = redactError(error, secrets);
      return new Error(`${node.name}: ${redacted.message}`, { cause: redacted });
    }),
    'the nodes that failed',
  );
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** `node 2 (127.0.0.1:6381)`: its index in the array passed in, and where it is. */
function nodeName(client: RedisClient, index: number): string {
  if (isClusterClient(client)) return `node ${index} (a cluster client)`;
  const options = optionsOf(client);
  if (options['sentinels']) return `node ${index} (sentinel group ${String(options['name'])})`;
  if (typeof options['path'] === 'string') return `node ${index} (${options['path']})`;
  return `node ${index} (${addressOf(client) ?? 'unknown address'})`;
}

/** Whether `client` spreads over a cluster (each master of a quorum must be one server). */
function isClusterClient(client: RedisClient): boolean {
  const c = client as unknown as Record<string, unknown>;
  // ioredis' Cluster says so; node-redis' cluster has `masters`; GLIDE's cluster client has its
  // own class name.
  return (
    c['isCluster'] === true ||
    Array.isArray(c['masters']) ||
    client.constructor?.name === 'GlideClusterClient'
  );
}

/** The options a client was created with (ioredis and node-redis keep them as `options`). */
function optionsOf(client: RedisClient): Record<string, unknown> {
  return (client as unknown as { options?: Record<string, unknown> }).options ?? {};
}

/** `host:port` of a single-server client, when its options say (ioredis, node-redis). */
function addressOf(client: RedisClient): string | undefined {
  const options = optionsOf(client);
  const socket = (options['socket'] ?? {}) as Record<string, unknown>;
  const host = options['host'] ?? socket['host'];
  const port = options['port'] ?? socket['port'];
  if (typeof host === 'string' && typeof port === 'number') return `${host}:${port}`;
  if (typeof options['url'] === 'string') {
    try {
      const url = new URL(options['url']);
      return `${url.hostname}:${url.port || '6379'}`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function checkClients(where: string, clients: unknown): asserts clients is RedisClient[] {
  if (!Array.isArray(clients) || clients.length === 0) {
    throw new LockConfigError(
      `${where}: the first argument must be a non-empty array of Redis clients, one per independent Redis master, got ${describeValue(clients)}.`,
    );
  }
  const addresses = new Map<string, number>();
  clients.forEach((client: unknown, index) => {
    try {
      detectClient(client, where);
    } catch (cause) {
      throw new LockConfigError(
        `${where}: clients[${index}] must be a Redis client (${ACCEPTED_CLIENTS}), got ${describeValue(client)}. Create one client per master: new RedlockStore([new Redis(urlA), new Redis(urlB), new Redis(urlC)]).`,
        { cause },
      );
    }
    const known = client as RedisClient;
    const first = clients.indexOf(client);
    const address = isClusterClient(known) ? undefined : addressOf(known);
    const same = first < index ? first : address ? addresses.get(address) : undefined;
    if (same !== undefined) {
      throw new LockConfigError(
        `${where}: clients[${same}] and clients[${index}] are the same Redis${address ? ` (${address})` : ''}; a quorum needs independent masters, one client each.`,
      );
    }
    if (address) addresses.set(address, index);
  });
}

/** The options `new RedlockStore(clients, options)` accepts; `quorum` also depends on the nodes. */
const redlockSpec: OptionSpec = {
  options: {
    quorum: { expected: 'an integer', valid: () => true },
    driftFactor: {
      expected: 'a number from 0 up to (not including) 1, such as 0.01',
      valid: (value) => typeof value === 'number' && value >= 0 && value < 1,
    },
    nodeTimeout: positiveMs,
  },
  notAnObject: (got) => `option "options" must be an object such as { quorum: 3 }, got ${got}.`,
};

function checkOptions(
  where: string,
  options: unknown,
  nodes: number,
): Required<RedlockStoreOptions> {
  checkSpec(where, options, redlockSpec);
  const majority = Math.floor(nodes / 2) + 1;
  const {
    quorum = majority,
    driftFactor = DEFAULT_DRIFT_FACTOR,
    nodeTimeout = DEFAULT_NODE_TIMEOUT,
  } = options as RedlockStoreOptions;
  if (!Number.isSafeInteger(quorum) || quorum < majority || quorum > nodes) {
    throw optionError(
      where,
      'quorum',
      majority === nodes
        ? `${nodes} with ${nodes} ${nodes === 1 ? 'node' : 'nodes'} (a majority of them)`
        : `an integer from ${majority} (a majority of the ${nodes} nodes; with fewer, two owners could hold the lock at once) to ${nodes}`,
      quorum,
    );
  }
  return { quorum, driftFactor, nodeTimeout };
}
