import { type BusyPolicy, type WithLockOptions } from '../engine/options';
import {
  acquireChecks,
  checkOptions,
  intervalBelowTtl,
  validateKey,
  type OptionSpec,
} from '../engine/validate';
import { DEFAULT_ENGINE_NAME } from './engine-registry';
import { parseKeyTemplate, type KeyTemplate } from './key-template';

/**
 * Builds the lock key from the decorated method's arguments. Its parameters are checked by the
 * compiler against the method's, so it can take the same parameters or fewer. Returning a list
 * of keys locks all of them or none (see `engine.withLock` with several keys).
 *
 * @example
 * const byInvoice: LockKeyFunction<[Invoice]> = (invoice) => `invoice:${invoice.id}`;
 * const byAccounts: LockKeyFunction<[string, string]> = (from, to) => [`account:${from}`, `account:${to}`];
 */
export type LockKeyFunction<A extends unknown[] = unknown[]> = (
  ...args: A
) => string | readonly string[];

/**
 * Options of `@Locked`: the key, the engine, and every acquire option of `engine.withLock`.
 * Options left out fall back to the engine's `defaults`, then to the engine's own defaults.
 * Declare them apart with `satisfies LockedOptions` (not a `LockedOptions` annotation) to keep the
 * compiler's checks of the key function and of `onBusy: 'skip'` precise.
 *
 * @example
 * const perInvoice = { key: 'invoice:{0.id}', ttl: 10_000, onBusy: 'throw' } satisfies LockedOptions;
 * class Billing {
 *   @Locked(perInvoice)
 *   async charge(invoice: Invoice): Promise<void> {}
 * }
 */
export interface LockedOptions<
  A extends unknown[] = unknown[],
  B extends BusyPolicy = BusyPolicy,
> extends Omit<WithLockOptions, 'onBusy' | 'signal'> {
  /**
   * The lock key: a function of the method's arguments, or a template such as
   * `'invoice:{0.id}'` whose `{index.path}` placeholders are read from the arguments and
   * escaped (see the README, "Key templates"). A template without placeholders is a fixed key.
   * A function may return a list of keys, such as `(from, to) => [\`account:${from}\`,
   * \`account:${to}\`]`: the method then holds all of them (README, "Several keys at once").
   * @default `${ClassName}.${methodName}` (one lock for the method, whatever the arguments)
   * @example
   * @Locked({ key: (invoice: Invoice) => `invoice:${invoice.id}` }) // a function
   * @Locked({ key: 'invoice:{0.id}' }) // the same key from a template
   * @Locked({ key: 'nightly-report' }) // a fixed key
   */
  key?: string | LockKeyFunction<A>;
  /**
   * When the lock is busy: `'wait'` waits up to `waitTimeout`, then rejects with
   * `LockTimeoutError`; `'throw'` rejects at once with `LockBusyError`; `'skip'` resolves
   * `undefined` without running the method.
   * @default 'wait' (or the engine's `defaults.onBusy`)
   * @example
   * @Locked({ key: 'cache:refresh', onBusy: 'skip' }) // someone is refreshing: nothing to do
   * async refresh(): Promise<void> {}
   */
  onBusy?: B;
  /**
   * Name of the engine to use, as registered with `configureLocks(engine, { name })` or
   * `LockModule.forRoot({ name })`. Looked up on every call, so the engine may be registered
   * after the class is defined.
   * @default 'default'
   * @example
   * configureLocks(reportsEngine, { name: 'reports' });
   * // ...
   * @Locked({ engine: 'reports', key: 'report:{0}' })
   * async build(day: string): Promise<void> {}
   */
  engine?: string;
  /**
   * Aborts waiting for the lock in every call of the method (e.g. an application shutdown
   * signal); the call then rejects with the signal's reason.
   * @default undefined (waiting is bounded by `waitTimeout` only)
   * @example
   * const shutdown = new AbortController();
   * process.once('SIGTERM', () => shutdown.abort(new Error('shutting down')));
   * // ...
   * @Locked({ key: 'sync', signal: shutdown.signal })
   * async sync(): Promise<void> {}
   */
  signal?: AbortSignal;
}

/** `@Locked` options, checked and resolved once when the class is defined. */
export interface LockedPlan {
  /** `undefined` for the default key. */
  readonly key: KeyTemplate | LockKeyFunction | undefined;
  /** The name of the engine, looked up on each call. */
  readonly engine: string;
  /** Passed as-is (frozen, so the engine checks and resolves it once) to `withLock`. */
  readonly lockOptions: Readonly<WithLockOptions>;
}

const lockedSpec: OptionSpec = {
  options: {
    ...acquireChecks,
    key: {
      expected:
        'a key template such as "invoice:{0.id}" or a function of the arguments returning the key',
      valid: (value) => typeof value === 'string' || typeof value === 'function',
    },
    engine: {
      expected: 'the non-empty name of an engine registered with configureLocks(engine, { name })',
      valid: (value) => typeof value === 'string' && value.length > 0,
    },
  },
  notAnObject: (got) => `the options must be an object, got ${got}.`,
  rules: [intervalBelowTtl],
};

/**
 * Check `options` for the method described by `where` (`@Locked on Billing.charge`) and resolve
 * what can be resolved before the first call. Throws `LockConfigError` naming `where` and the
 * option. `parameterCount` is the method's `Function.length`.
 */
export function planLocked(where: string, options: unknown, parameterCount: number): LockedPlan {
  const { key, engine, ...rest } = checkOptions(
    where,
    options === undefined ? {} : options,
    lockedSpec,
  );
  const lockOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    lockOptions[name] = typeof value === 'object' && name === 'autoExtend' ? { ...value } : value;
  }
  Object.freeze(lockOptions['autoExtend']);
  let resolvedKey: LockedPlan['key'];
  if (typeof key === 'string') {
    resolvedKey = parseKeyTemplate(where, key, parameterCount);
    if (resolvedKey.constant !== undefined) validateKey(where, resolvedKey.constant);
  } else {
    resolvedKey = key as LockKeyFunction | undefined;
  }
  return {
    key: resolvedKey,
    engine: (engine as string | undefined) ?? DEFAULT_ENGINE_NAME,
    lockOptions: Object.freeze(lockOptions),
  };
}
