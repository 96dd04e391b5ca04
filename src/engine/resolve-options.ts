import { keyListLabel } from './multi-key-order';
import type { BusyPolicy, StoreErrorPolicy, WithLockOptions } from './options';
import { checkInterval, checkOptions, withLockSpec, type OptionSpec } from './validate';

/**
 * How a held lock is renewed: every ttl / 3 (`true`), every so many ms (a number), or not at all
 * (`false`).
 */
export type Renewal = boolean | number;

/** Acquire options after defaults are applied and values checked. */
export interface ResolvedAcquireOptions {
  readonly ttl: number;
  readonly waitTimeout: number;
  readonly retryCount: number;
  readonly retryDelay: number;
  readonly renewal: Renewal;
  readonly storeTimeout: number;
  readonly onBusy: BusyPolicy;
  readonly signal: AbortSignal | undefined;
  readonly metadata: string;
  readonly fair: boolean;
  readonly onStoreError: StoreErrorPolicy | undefined;
}

export const DEFAULT_PREFIX = 'lw';
const DEFAULT_TTL = 30_000;
const DEFAULT_WAIT_TIMEOUT = 10_000;
const DEFAULT_RETRY_DELAY = 50;
export const DEFAULT_STORE_TIMEOUT = 2_000;
export const DEFAULT_CLOSE_TIMEOUT = 0;

/**
 * A private copy of acquire defaults, so changing the object later has no effect (a `ttl: -5` set
 * after construction would otherwise skip validation and reach the store).
 */
export function copyAcquireDefaults(defaults: WithLockOptions): Readonly<WithLockOptions> {
  const copy: WithLockOptions = { ...defaults };
  if (typeof copy.autoExtend === 'object') copy.autoExtend = Object.freeze({ ...copy.autoExtend });
  return Object.freeze(copy);
}

/**
 * Merge engine defaults with call options (call options win) and fill in the rest;
 * `storeTimeout` falls back to the engine's.
 */
export function resolveAcquireOptions(
  defaults: WithLockOptions,
  options: WithLockOptions,
  defaultMetadata: string,
  engineStoreTimeout: number,
): ResolvedAcquireOptions {
  // Field by field, no merged copies: this runs for every lock.
  const autoExtend = options.autoExtend ?? defaults.autoExtend ?? true;
  return {
    ttl: options.ttl ?? defaults.ttl ?? DEFAULT_TTL,
    waitTimeout: options.waitTimeout ?? defaults.waitTimeout ?? DEFAULT_WAIT_TIMEOUT,
    retryCount: options.retryCount ?? defaults.retryCount ?? Number.POSITIVE_INFINITY,
    retryDelay: options.retryDelay ?? defaults.retryDelay ?? DEFAULT_RETRY_DELAY,
    renewal: typeof autoExtend === 'boolean' ? autoExtend : autoExtend.interval,
    storeTimeout: options.storeTimeout ?? defaults.storeTimeout ?? engineStoreTimeout,
    onBusy: options.onBusy ?? defaults.onBusy ?? 'wait',
    signal: options.signal ?? defaults.signal,
    metadata: options.metadata ?? defaults.metadata ?? defaultMetadata,
    fair: options.fair ?? defaults.fair ?? false,
    onStoreError: options.onStoreError ?? defaults.onStoreError,
  };
}

/** Whether nothing in `options` (its `autoExtend` object included) can change any more. */
function isFrozenOptions(options: unknown): options is WithLockOptions {
  if (typeof options !== 'object' || options === null || !Object.isFrozen(options)) return false;
  const { autoExtend } = options as WithLockOptions;
  return typeof autoExtend !== 'object' || Object.isFrozen(autoExtend);
}

/**
 * One engine's call options: checked (a bad one throws `LockConfigError` naming the call and its
 * key) and resolved against the engine's defaults. Frozen `withLock` options objects (such as
 * `@Locked`'s) are checked and resolved once.
 */
export class OptionResolver {
  readonly #defaults: Readonly<WithLockOptions>;
  readonly #resolved = new WeakMap<object, ResolvedAcquireOptions>();

  constructor(
    defaults: WithLockOptions,
    /** `metadata` when neither the call nor the defaults set it. */
    private readonly metadata: string,
    /** The engine's `storeTimeout`. */
    private readonly storeTimeout: number,
  ) {
    this.#defaults = copyAcquireDefaults(defaults);
  }

  /**
   * Check `options` per `spec` and resolve them; messages name the call `where` and its key (or
   * keys).
   */
  resolve(
    where: string,
    key: string | readonly string[],
    options: WithLockOptions,
    spec: OptionSpec,
  ): ResolvedAcquireOptions {
    // Only withLock's: the same object passed to acquire must still be refused 'skip'.
    const frozen = spec === withLockSpec && isFrozenOptions(options);
    let resolved = frozen ? this.#resolved.get(options) : undefined;
    if (!resolved) {
      const at = `${where}(${typeof key === 'string' ? `"${key}"` : keyListLabel(key)})`;
      checkOptions(at, options, spec);
      resolved = resolveAcquireOptions(this.#defaults, options, this.metadata, this.storeTimeout);
      if (typeof resolved.renewal === 'number') checkInterval(at, resolved.renewal, resolved.ttl);
      if (frozen) this.#resolved.set(options, resolved);
    }
    return resolved;
  }
}
