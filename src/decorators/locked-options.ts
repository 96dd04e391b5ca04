import { LockConfigError } from '../engine/errors';
import {
  optionError,
  validateAcquireOptions,
  validateKey,
  type WithLockOptions,
  describeValue,
} from '../engine/options';
import { DEFAULT_ENGINE_NAME } from './engine-registry';
import { parseKeyTemplate, type KeyTemplate } from './key-template';

/** What a `@Locked` method does when its lock is held by someone else. */
export type LockedBusyPolicy = 'wait' | 'throw' | 'skip';

/**
 * Builds the lock key from the decorated method's arguments. Its parameters are checked by the
 * compiler against the method's, so it can take the same parameters or fewer.
 */
export type LockKeyFunction<A extends unknown[] = unknown[]> = (...args: A) => string;

/**
 * Options of `@Locked`: the key, the engine, and every acquire option of `engine.withLock`.
 * Options left out fall back to the engine's `defaults`, then to the engine's own defaults.
 */
export interface LockedOptions<
  A extends unknown[] = unknown[],
  B extends LockedBusyPolicy = LockedBusyPolicy,
> extends Omit<WithLockOptions, 'onBusy' | 'signal'> {
  /**
   * The lock key: a function of the method's arguments, or a template such as
   * `'invoice:{0.id}'` whose `{index.path}` placeholders are read from the arguments and
   * escaped (see the README, "Key templates"). A template without placeholders is a fixed key.
   * @default `${ClassName}.${methodName}` (one lock for the method, whatever the arguments)
   */
  key?: string | LockKeyFunction<A>;
  /**
   * When the lock is busy: `'wait'` waits up to `waitTimeout`, then rejects with
   * `LockTimeoutError`; `'throw'` rejects at once with `LockBusyError`; `'skip'` resolves
   * `undefined` without running the method.
   * @default 'wait' (or the engine's `defaults.onBusy`)
   */
  onBusy?: B;
  /**
   * Name of the engine to use, as registered with `configureLocks(engine, { name })` or
   * `LockModule.forRoot({ name })`. Looked up on every call, so the engine may be registered
   * after the class is defined.
   * @default 'default'
   */
  engine?: string;
  /**
   * Aborts waiting for the lock in every call of the method (e.g. an application shutdown
   * signal); the call then rejects with the signal's reason.
   * @default undefined (waiting is bounded by `waitTimeout` only)
   */
  signal?: AbortSignal;
}

/** `@Locked` options, checked and resolved once when the class is defined. */
export interface LockedPlan {
  /** `undefined` for the default key. */
  readonly key: KeyTemplate | LockKeyFunction | undefined;
  /** The name of the engine, looked up on each call. */
  readonly engine: string;
  /** Passed as-is to `withLock` on every call. */
  readonly lockOptions: Readonly<WithLockOptions>;
}

const DECORATOR_OPTION_NAMES = ['key', 'engine'];

function isKeyFunction(value: unknown): value is LockKeyFunction {
  return typeof value === 'function';
}

/**
 * Check `options` for the method described by `where` (`@Locked on Billing.charge`) and resolve
 * what can be resolved before the first call. Throws `LockConfigError` naming `where` and the
 * option. `parameterCount` is the method's `Function.length`.
 */
export function planLocked(where: string, options: unknown, parameterCount: number): LockedPlan {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new LockConfigError(
      `${where}: the options must be an object, got ${describeValue(options)}.`,
    );
  }
  const record = options as Record<string, unknown>;
  validateAcquireOptions(where, record, DECORATOR_OPTION_NAMES);
  const lockOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value !== undefined && !DECORATOR_OPTION_NAMES.includes(name)) lockOptions[name] = value;
  }
  const { key, engine = DEFAULT_ENGINE_NAME } = record;
  if (typeof engine !== 'string' || engine.length === 0) {
    throw optionError(
      where,
      'engine',
      'the non-empty name of an engine registered with configureLocks(engine, { name })',
      engine,
    );
  }
  let resolvedKey: LockedPlan['key'];
  if (typeof key === 'string') {
    resolvedKey = parseKeyTemplate(where, key, parameterCount);
    if (resolvedKey.constant !== undefined) validateKey(where, resolvedKey.constant);
  } else if (isKeyFunction(key)) {
    resolvedKey = key;
  } else if (key !== undefined) {
    throw optionError(
      where,
      'key',
      'a key template such as "invoice:{0.id}" or a function of the arguments returning the key',
      key,
    );
  }
  return { key: resolvedKey, engine, lockOptions: Object.freeze(lockOptions) };
}
