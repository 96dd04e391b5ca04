import { LockStoreError } from '../engine/errors';
import { redactError } from './redact-error';
import type { RedisLockStore } from './redis-lock-store';

/** One independent master, as error messages name it. */
export interface RedlockNode {
  readonly name: string;
  readonly store: RedisLockStore;
}

/** A node that failed one operation: it answered with an error or not within `nodeTimeout`. */
export interface Failure {
  readonly node: RedlockNode;
  readonly error: unknown;
}

/** What the nodes have said so far about one operation. */
export interface Tally<T> {
  readonly answers: Array<{ node: RedlockNode; value: T }>;
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
 * The voting of a {@link RedlockStore}: every operation goes to every node at once, each bounded
 * by `nodeTimeout`, and the answers are tallied until they settle it: `size` nodes (the quorum)
 * agreeing, or more than `tolerated` failing or disagreeing. Messages name the failed nodes and
 * never carry a secret.
 */
export class RedlockQuorum {
  constructor(
    /** The independent masters, in the order the clients were passed. */
    readonly nodes: readonly RedlockNode[],
    /** How many nodes must agree. */
    readonly size: number,
    /** How long one node may take to answer one operation, in ms. */
    readonly nodeTimeout: number,
  ) {}

  /** How many nodes may fail while operations still succeed. */
  get tolerated(): number {
    return this.nodes.length - this.size;
  }

  /**
   * Send `call` to every node at once, each bounded by `nodeTimeout`, and resolve with what they
   * said as soon as `decided` says the answers so far settle the question (at the latest when
   * every node has answered or timed out). Answers after that go to `straggler`.
   */
  ask<T>(
    call: (node: RedlockNode) => Promise<T>,
    decided: (tally: Tally<T>) => boolean,
    straggler?: (node: RedlockNode, value: T) => void,
  ): Promise<Tally<T>> {
    return new Promise((resolve) => {
      const tally: Tally<T> = { answers: [], failures: [], pending: this.nodes.length };
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
      for (const node of this.nodes) {
        this.bounded(node, call, straggler).then(
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
  bounded<T>(
    node: RedlockNode,
    call: (node: RedlockNode) => Promise<T>,
    late?: (node: RedlockNode, value: T) => void,
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
          reject(new NodeTimeout(this.nodeTimeout));
          operation.then(
            (value) => late?.(node, value),
            () => undefined,
          );
        });
      }, this.nodeTimeout);
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

  /** Whether a yes/no operation (renew, release) is settled by the answers so far. */
  decided(t: Tally<boolean>): boolean {
    const yes = t.answers.filter(({ value }) => value).length;
    const no = t.answers.length - yes;
    return (
      yes >= this.size ||
      no > this.tolerated ||
      t.failures.length > this.tolerated ||
      t.pending === 0
    );
  }

  /** A quorum said yes: `true`; too many said no: `false`; otherwise the nodes that failed. */
  verdict(operation: string, key: string, t: Tally<boolean>, secrets: readonly string[]): boolean {
    const yes = t.answers.filter(({ value }) => value).length;
    const no = t.answers.length - yes;
    if (yes >= this.size) return true;
    if (no > this.tolerated) return false;
    if (t.failures.length > this.tolerated) {
      throw this.unreachable(operation, key, t, secrets);
    }
    throw new LockStoreError(
      `RedlockStore: ${operation} of "${key}" is undecided: ${yes} of ${this.nodes.length} nodes said yes and ${no} no (quorum ${this.size}), and ${failedNodes(t.failures, secrets)}.`,
      { cause: failureCause(t.failures, secrets) },
    );
  }

  /** Too many nodes failed for the answers to mean anything. */
  unreachable(
    operation: string,
    key: string,
    t: Tally<unknown>,
    secrets: readonly string[] = [],
  ): LockStoreError {
    return new LockStoreError(
      `RedlockStore: ${operation} of "${key}" needs ${this.size} of ${this.nodes.length} nodes, but ${failedNodes(t.failures, secrets)}.`,
      { cause: failureCause(t.failures, secrets) },
    );
  }
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
      return new LockStoreError(`${node.name}: ${redacted.message}`, { cause: redacted });
    }),
    'the nodes that failed',
  );
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new LockStoreError(String(error));
}
