import { lockContext, type LockFrame } from './context';
import { LockBusyError, type LockConfigError, LockStoreError, LockTimeoutError } from './errors';
import type { EmitEvent } from './events';
import { LockLease, type Lock } from './lock';
import { MultiKeyLease } from './multi-key-lock';
import { keyListLabel, lockOrder, type OrderedKey } from './multi-key-order';
import type {
  LockLogger,
  ResolvedAcquireOptions,
  StoreErrorPolicy,
  WithLockOptions,
} from './options';
import { acquireSpec, withLockSpec, type OptionSpec } from './validate';

/** What taking several keys needs from the engine. */
export interface MultiKeyHost {
  /** The engine, as `withLock` bodies' frames name it. */
  readonly engine: object;
  /** The engine's reentrancy scope. */
  readonly scope: object;
  readonly logger: LockLogger;
  readonly onStoreError: StoreErrorPolicy;
  readonly emit: EmitEvent;
  /** Throws `LockConfigError` if the engine takes no new calls from here (closing). */
  admit(where: string): void;
  /** Why the current call may not take locks (closing), or `undefined`. */
  refusal(key: string): LockConfigError | undefined;
  storeKey(key: string): string;
  /** Check `options` (naming `where` and `keys`) and resolve them against the engine's defaults. */
  resolve(
    where: string,
    keys: readonly string[],
    options: WithLockOptions,
    spec: OptionSpec,
  ): ResolvedAcquireOptions;
  /**
   * Take one key as a single-key acquire would (reentrant if this call chain holds it): the
   * lock, or `null` when it was busy and `o.onBusy` is not `'wait'`.
   */
  takeOne(key: string, storeKey: string, o: ResolvedAcquireOptions): Promise<Lock | null>;
  /** Count `body` as a running `withLock` body (what `close({ timeout })` waits for). */
  run<T>(body: () => Promise<T>): Promise<T>;
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
    return lease.lock;
  }

  async tryAcquire(keys: readonly string[], options: WithLockOptions): Promise<Lock | null> {
    const call = this.#prepare('LockEngine.tryAcquire', keys, options, acquireSpec);
    const lease = await this.#take({ ...call, o: { ...call.o, onBusy: 'skip' } });
    return lease instanceof MultiKeyLease ? lease.lock : null;
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
      const policy = call.o.onStoreError ?? host.onStoreError;
      if (!(error instanceof LockStoreError) || policy !== 'run') throw error;
      const refusal = host.refusal(call.order[0]!.key);
      if (refusal) throw refusal;
      host.logger.warn(
        `lockwarden: running ${call.label} WITHOUT a lock because the store failed (onStoreError: 'run'): ${String(error.cause)}`,
      );
      return host.run(async () => fn(unlockedSet(call)));
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
    host.admit(where);
    const order = lockOrder(where, keys, (key) => host.storeKey(key));
    const keysInOrder = order.map((k) => k.key);
    const o = host.resolve(where, keysInOrder, options, spec);
    return { order, label: keyListLabel(keysInOrder), o };
  }

  /**
   * Take every key in order. Resolves the set, or the busy key when one was busy with
   * `onBusy` `'throw'` / `'skip'`; rejects on a timeout, an abort, a lost part, a closing engine
   * or a store error. Whatever way it ends without the set, the keys taken are released first.
   */
  async #take({ order, label, o }: Prepared): Promise<MultiKeyLease | BusyKey> {
    const { host } = this;
    const startedAt = Date.now();
    const deadline = startedAt + o.waitTimeout;
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
          waitTimeout: parts.length === 0 ? o.waitTimeout : waitTimeout,
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
    const lease = new MultiKeyLease(parts, o.ttl, (key, error) => this.#releaseFailed(key, error));
    if (lease.state !== 'held') {
      // A part ended between its grant and now: the set is not whole (the rest is released).
      await lease.release().catch(() => false);
      throw lease.controller.signal.reason;
    }
    return lease;
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
    const { lock } = lease;
    let frame: LockFrame | undefined = lockContext.getStore();
    // One frame per key, so taking one of them again inside reuses the part; the set's frame
    // innermost, so `currentLock()` is the set.
    for (const part of lease.parts) {
      const storeKey = host.storeKey(part.key);
      frame = { lock: part, owner: host.scope, engine: host.engine, storeKey, parent: frame };
    }
    const own: LockFrame = {
      lock,
      owner: host.scope,
      engine: host.engine,
      storeKey: SET_FRAME_KEY,
      parent: frame,
    };
    return host.run(async () => {
      try {
        return await lockContext.run(own, () => fn(lock));
      } finally {
        await lock.release().catch((error: unknown) => this.#releaseFailed(lock.key, error));
      }
    });
  }
}

/** The lock `fn` gets when it runs unlocked (`onStoreError: 'run'`): never held. */
function unlockedSet({ order, o }: Prepared): Lock {
  const now = Date.now();
  const parts = order.map(
    ({ key, storeKey }) =>
      new LockLease(null, key, storeKey, '', 0, o.ttl, false, o.storeTimeout, now).lock,
  );
  const set = new MultiKeyLease(parts, o.ttl, () => undefined);
  set.state = 'released';
  return set.lock;
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
