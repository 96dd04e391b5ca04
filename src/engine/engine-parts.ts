import type { LockStore } from '../stores/lock-store';
import { Acquisition } from './acquisition';
import { findHeldInContext, insideBodyOf, reentrancyScope } from './context';
import { EngineLifecycle } from './engine-lifecycle';
import type { LockConfigError } from './errors';
import type { EmitEvent, EventObserved } from './events';
import { HeldLeases } from './held-leases';
import { InFlight } from './in-flight';
import { KeyWaitersMap } from './key-waiters';
import type { Lock } from './lock';
import { leaseOf } from './lock-lease';
import { LockedBodies } from './locked-body';
import { MultiKeyAcquisition } from './multi-key-acquisition';
import type { LockLogger, StoreErrorPolicy, WithLockOptions } from './options';
import { OptionResolver, type ResolvedAcquireOptions } from './resolve-options';
import { StoreCalls } from './store-calls';
import { storeKeyOf } from './store-key';
import { validateKey, type OptionSpec } from './validate';

/** An engine's settings, checked, with what its parts report through. */
export interface EngineConfig {
  /** The engine, as the frames of its `withLock` bodies name it. */
  readonly engine: object;
  readonly store: LockStore;
  readonly prefix: string;
  readonly logger: LockLogger;
  readonly defaults: WithLockOptions;
  readonly metadata: string;
  readonly storeTimeout: number;
  readonly onStoreError: StoreErrorPolicy;
  readonly emit: EmitEvent;
  readonly observed: EventObserved;
}

/**
 * The parts of one `LockEngine` and how they are wired together, apart from its public API
 * (`lock-engine.ts`): store calls, local waiters, held leases (with their renewals), the
 * lifecycle (`close`), option resolution, `withLock` bodies, and the single-key and multi-key
 * acquisitions.
 */
export class EngineParts {
  readonly scope: object;
  readonly calls: StoreCalls;
  readonly waiters: KeyWaitersMap;
  readonly held: HeldLeases;
  readonly running = new InFlight();
  readonly life: EngineLifecycle;
  readonly options: OptionResolver;
  readonly bodies: LockedBodies;
  readonly acquisition: Acquisition;
  readonly multiKey: MultiKeyAcquisition;

  constructor(private readonly config: EngineConfig) {
    const { engine, store, prefix, logger, emit, observed, onStoreError } = config;
    this.options = new OptionResolver(config.defaults, config.metadata, config.storeTimeout);
    const scope = (this.scope = reentrancyScope(store, prefix));
    const calls = (this.calls = new StoreCalls(store, logger));
    const waiters = (this.waiters = new KeyWaitersMap(calls, (event) => emit('error', event)));
    const held = (this.held = new HeldLeases(
      calls,
      emit,
      observed,
      (storeKey) => waiters.wakeHead(storeKey),
      (storeKey, heldSince) => waiters.successor(storeKey, heldSince),
    ));
    const running = this.running;
    const life = (this.life = new EngineLifecycle({ engine, waiters, running, held }));
    const bodies = (this.bodies = new LockedBodies({
      engine,
      scope,
      running,
      life,
      logger,
      onStoreError,
    }));
    const refusal = (key: string): LockConfigError | undefined => life.refusal(undefined, key);
    const acquisition = (this.acquisition = new Acquisition({
      calls,
      waiters,
      held,
      refusal,
      nested: () => insideBodyOf(engine),
      emit,
      observed,
    }));
    this.multiKey = new MultiKeyAcquisition({
      life,
      options: this.options,
      bodies,
      calls,
      held,
      emit,
      observed,
      storeKey: (key) => this.storeKey(key),
      untouched: (storeKey) =>
        !findHeldInContext(scope, storeKey) &&
        !held.has(storeKey) &&
        (waiters.get(storeKey)?.queue.length ?? 0) === 0,
      takeOne: async (key, storeKey, o) =>
        this.reenter(storeKey) ?? (await acquisition.take(key, storeKey, o)),
    });
  }

  /** The name of `key` in the store (with the engine's prefix). */
  storeKey(key: string): string {
    return storeKeyOf(this.config.prefix, key);
  }

  /**
   * Check a single-key call made at `where` (the engine is open for it, the key and options are
   * valid) and resolve its options against the engine's defaults.
   */
  prepare(
    where: string,
    key: string,
    options: WithLockOptions,
    spec: OptionSpec,
  ): [string, ResolvedAcquireOptions] {
    this.life.admit(where);
    validateKey(where, key);
    return [this.storeKey(key), this.options.resolve(where, key, options, spec)];
  }

  /**
   * The lock of `storeKey` if this call chain holds it through this engine's scope, with one
   * more hold (reentrancy: no round trip); otherwise `undefined`.
   */
  reenter(storeKey: string): Lock | undefined {
    const lock = findHeldInContext(this.scope, storeKey);
    const lease = lock && leaseOf(lock);
    if (!lease) return undefined;
    lease.holds += 1;
    return lock;
  }
}
