import type { AcquireManyResult } from '../stores/lock-store';
import { redactError } from '../stores/redact-error';
import type { EngineLifecycle } from './engine-lifecycle';
import { LockBusyError, type LockConfigError, LockStoreError, LockTimeoutError } from './errors';
import type { EmitEvent, EventObserved } from './events';
import type { HeldLeases } from './held-leases';
import type { Lock } from './lock';
import { LockLease } from './lock-lease';
import type { LockedBodies } from './locked-body';
import { MultiKeyLease } from './multi-key-lock';
import { keyListLabel, lockOrder, type OrderedKey } from './multi-key-order';
import type { WithLockOptions } from './options';
import { newOwnerToken } from './owner-token';
import type { OptionResolver, ResolvedAcquireOptions } from './resolve-options';
import type { StoreCalls } from './store-calls';
import { acquireSpec, withLockSpec, type OptionSpec } from './validate';

/** What taking several keys needs from the engine: its parts, and three questions about keys. */
export interface MultiKeyHost {
  /** Whether the engine admits the call (closing). */
  readonly life: EngineLifecycle;
  /** The call's options, checked and resolved against the engine's defaults. */
  readonly options: OptionResolver;
  /** Runs `withLock` bodies (frames, release, fail-open). */
  readonly bodies: LockedBodies;
  /** The engine's store calls (for the one-call fast path, `store.acquireMany`). */
  readonly calls: StoreCalls;
  /** The engine's held leases, where a set taken in one call puts its parts. */
  readonly held: HeldLeases;
  readonly emit: EmitEvent;
  readonly observed: EventObserved;
  storeKey(key: string): string;
  /**
   * Whether `storeKey` may be taken by the one-call fast path: this call chain does not hold it
   * (no reentrancy), the engine does not hold it, and no local waiter is queued for it.
   */
  untouched(storeKey: string): boolean;
  /**
   * Take one key as a single-key acquire would (reentrant if this call chain holds it): the
   * lock, or `null` when it was busy and `o.onBusy` is not `'wait'`.
   */
  takeOne(key: string, storeKey: string, o: ResolvedAcquireOptions): Promise<Lock | null>;
}

/** One multi-key call, checked: its keys in lock order and its resolved options. */
interface Prepared {
  readonly order: OrderedKey[];
  readonly label: string;
  readonly o: ResolvedAcquireOptions;
}

/** A storeKey that no key has (every store name contains `{`): the set's own frame. */
const SET_FRAME_KEY = '';

/**
 * `acquire`, `tryAcquire` and `withLock` over several keys, built on the engine's single-key
 * path: the distinct keys are taken one after another in one global order (see `lockOrder`),
 * each with what is left of `waitTimeout`, holding the ones already taken while waiting for the
 * next (ordered locking: no deadlock, and no livelock from releasing and retrying). All or none:
 * a busy key, a timeout, an abort or a store error releases the keys already taken before the
 * call settles.
 */
export class MultiKeyAcquisition {
  constructor(private readonly host: MultiKeyHost) {}

  async acquire(keys: readonly string[], options: WithLockOptions): Promise<Lock> {
    const call = this.#prepare('LockEngine.acquire', keys, options, acquireSpec);
    const lease = await this.#take(call);
    if (!(lease instanceof MultiKeyLease)) throw busyError(call, lease);
    return lease;
  }

  async tryAcquire(keys: readonly string[], options: WithLockOptions): Promise<Lock | null> {
    const call = this.#prepare('LockEngine.tryAcquire', keys, options, acquireSpec);
    const lease = await this.#take({ ...call, o: { ...call.o, onBusy: 'skip' } });
    return lease instanceof MultiKeyLease ? lease : null;
  }

  async withLock<T>(
    keys: readonly string[],
    fn: (lock: Lock) => T | PromiseLike<T>,
    options: WithLockOptions,
  ): Promise<T | undefined> {
    const { host } = this;
    const call = this.#prepare('LockEngine.withLock', keys, options, withLockSpec);
    let lease: MultiKeyLease | BusyKey;
    try {
      lease = await this.#take(call);
    } catch (error) {
      const first = call.order[0]!.key;
      const unlocked = (): Lock => unlockedSet(call);
      return host.bodies.runUnlocked(error, call.o.onStoreError, call.label, first, unlocked, fn);
    }
    if (!(lease instanceof MultiKeyLease)) {
      if (call.o.onBusy === 'skip') return undefined;
      throw busyError(call, lease);
    }
    return this.#runHolding(lease, fn);
  }

  #prepare(
    where: string,
    keys: readonly string[],
    options: WithLockOptions,
    spec: OptionSpec,
  ): Prepared {
    const { host } = this;
    host.life.admit(where);
    const order = lockOrder(where, keys, (key) => host.storeKey(key));
    const keysInOrder = order.map((k) => k.key);
    const o = host.options.resolve(where, keysInOrder, options, spec);
    return { order, label: keyListLabel(keysInOrder), o };
  }

  /**
   * Take every key in order. Resolves the set, or the busy key when one was busy with
   * `onBusy` `'throw'` / `'skip'`; rejects on a timeout, an abort, a lost part, a closing engine
   * or a store error. Whatever way it ends without the set, the keys taken are released first.
   */
  async #take(call: Prepared): Promise<MultiKeyLease | BusyKey> {
    const { host } = this;
    const { order, label, o } = call;
    const startedAt = Date.now();
    const deadline = startedAt + o.waitTimeout;
    const atOnce = await this.#takeAtOnce(call, startedAt);
    if (atOnce) return Array.isArray(atOnce) ? this.#whole(atOnce, o) : atOnce;
    const parts: Lock[] = [];
    let current = order[0]!;
    try {
      for (current of order) {
        // A part lost while a later key is awaited ends the wait: the set could not be whole.
        const signals = parts.map((part) => part.signal);
        if (o.signal) signals.push(o.signal);
        const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
        const waitTimeout = Math.max(0, deadline - Date.now());
        const part = await host.takeOne(current.key, current.storeKey, {
          ...o,
          signal,
          // The first key gets the whole budget unless a one-call attempt already spent some.
          waitTimeout: parts.length === 0 && atOnce === null ? o.waitTimeout : waitTimeout,
        });
        if (!part) {
          await this.#undo(parts);
          return { busy: current.key };
        }
        parts.push(part);
      }
    } catch (error) {
      await this.#undo(parts);
      if (error instanceof LockTimeoutError) {
        throw new LockTimeoutError(
          `Timed out acquiring lock ${label}: key "${current.key}" is still held by another owner after waiting ${Date.now() - startedAt} ms (waitTimeout ${o.waitTimeout} ms${Number.isFinite(o.retryCount) ? `, retryCount ${o.retryCount} per key` : ''}); the keys taken before it were released.`,
          { key: current.key, cause: error },
        );
      }
      throw error;
    }
    return this.#whole(parts, o);
  }

  /** The set of `parts`, all taken; rejects (releasing them) if one ended meanwhile. */
  async #whole(parts: readonly Lock[], o: ResolvedAcquireOptions): Promise<MultiKeyLease> {
    const lease = new MultiKeyLease(parts, o.ttl, (key, error) => this.#releaseFailed(key, error));
    if (lease.state !== 'held') {
      // A part ended between its grant and now: the set is not whole (the rest is released).
      await lease.release().catch(() => false);
      throw lease.signal.reason;
    }
    return lease;
  }

  /**
   * The fast path: every key in ONE store call (`store.acquireMany`), when the store has it, the
   * call is not fair, and no key is held by this call chain, held by this engine or awaited by a
   * local waiter (any of those needs the ordered path's bookkeeping). Resolves the parts when all
   * were taken; the busy key when one was busy and `onBusy` is `'skip'` or `'throw'` (a single
   * attempt, answered as the ordered path would); `undefined` when the attempt was made but found
   * a key busy (the ordered path then waits); `null` when no attempt was made.
   */
  async #takeAtOnce(
    { order, o }: Prepared,
    startedAt: number,
  ): Promise<Lock[] | BusyKey | undefined | null> {
    const { host } = this;
    const { calls, held } = host;
    const { store } = calls;
    if (!store.acquireMany || o.fair || order.length < 2) return null;
    if (!order.every(({ storeKey }) => host.untouched(storeKey))) return null;
    o.signal?.throwIfAborted();
    const tokens = order.map(() => newOwnerToken());
    const requests = order.map(({ storeKey }, i) => ({
      key: storeKey,
      owner: tokens[i]!,
      ttl: o.ttl,
    }));
    const first = order[0]!.key;
    const sentAt = Date.now();
    const result = await calls.run(
      'acquire',
      first,
      undefined,
      o.storeTimeout,
      async () => {
        try {
          return await store.acquireMany!(requests, { metadata: o.metadata });
        } catch (error) {
          throw redactError(error, tokens);
        }
      },
      // Nothing may stay locked on the way out: a grant that comes after we gave up is undone.
      { signal: o.signal, onLate: (late) => this.#releaseLate(order, tokens, late) },
    );
    if (result === null) return null;
    if (!result.acquired) {
      const single = o.onBusy !== 'wait';
      if (!single) return undefined;
      const busy = order[result.busy]?.key ?? first;
      if (host.observed('contended')) {
        host.emit('contended', { key: busy, holderTtl: result.ttl, attempt: 1 });
      }
      return { busy };
    }
    const leases = order.map(
      ({ key, storeKey }, i) =>
        new LockLease(
          held,
          key,
          storeKey,
          tokens[i]!,
          result.fences[i]!,
          o.ttl,
          o.renewal,
          o.storeTimeout,
          sentAt,
        ),
    );
    for (const lease of leases) held.hold(lease);
    const parts: Lock[] = leases;
    const refusal = host.life.refusal(undefined, first);
    if (refusal || o.signal?.aborted) {
      // Nothing may stay locked on the way out.
      await this.#undo(parts);
      if (o.signal?.aborted) throw o.signal.reason;
      throw refusal as LockConfigError;
    }
    if (host.observed('acquired')) {
      for (const lease of leases) {
        host.emit('acquired', {
          key: lease.key,
          fence: lease.fence,
          attempts: 1,
          waitedMs: sentAt - startedAt,
        });
      }
    }
    return parts;
  }

  /** A one-call acquire answered after its caller gave up: give back whatever it took. */
  #releaseLate(
    order: readonly OrderedKey[],
    tokens: readonly string[],
    late: AcquireManyResult | null,
  ): void {
    if (!late?.acquired) return;
    order.forEach(({ storeKey }, i) =>
      this.host.calls.releaseLate(storeKey, tokens[i]!, { acquired: true, fence: late.fences[i]! }),
    );
  }

  /** Release the parts of a set that will not be whole; failures are reported, not thrown. */
  async #undo(parts: readonly Lock[]): Promise<void> {
    await Promise.all(
      parts.map((part) =>
        part.release().catch((error: unknown) => this.#releaseFailed(part.key, error)),
      ),
    );
  }

  #releaseFailed(key: string, error: unknown): void {
    // The part expires by itself within its ttl; say so rather than throw from a timer.
    this.host.emit('error', {
      key,
      operation: 'release',
      error:
        error instanceof LockStoreError
          ? error
          : new LockStoreError(`Releasing lock "${key}" failed.`, { key, cause: error }),
    });
  }

  /** Run `fn` holding `lease` (each part reentrant inside it), then release it. */
  #runHolding<T>(lease: MultiKeyLease, fn: (lock: Lock) => T | PromiseLike<T>): Promise<T> {
    const { host } = this;
    // One frame per key, so taking one of them again inside reuses the part; the set's frame
    // innermost, so `currentLock()` is the set.
    const parts = lease.parts.map((part) => [part, host.storeKey(part.key)] as const);
    const releaseFailed = (error: unknown): void => this.#releaseFailed(lease.key, error);
    return host.bodies.hold(lease, SET_FRAME_KEY, fn, releaseFailed, parts);
  }
}

/** The lock `fn` gets when it runs unlocked (`onStoreError: 'run'`): never held. */
function unlockedSet({ order, o }: Prepared): Lock {
  const now = Date.now();
  const parts = order.map(
    ({ key, storeKey }) =>
      new LockLease(null, key, storeKey, '', 0, o.ttl, false, o.storeTimeout, now),
  );
  return new MultiKeyLease(parts, o.ttl, () => undefined, true);
}

/** A key found busy with `onBusy` `'throw'` or `'skip'`. */
interface BusyKey {
  readonly busy: string;
}

function busyError({ label }: Prepared, { busy }: BusyKey): LockBusyError {
  return new LockBusyError(
    `Lock ${label} is busy: key "${busy}" is held by another owner; none of the keys is kept.`,
    { key: busy },
  );
}
