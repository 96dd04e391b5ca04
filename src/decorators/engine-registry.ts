import { LockConfigError } from '../engine/errors';
import type { LockEngine } from '../engine/lock-engine';

/** The name under which `configureLocks(engine)` registers an engine when no name is given. */
export const DEFAULT_ENGINE_NAME = 'default';

const engines = new Map<string, LockEngine>();

/**
 * Options of {@link configureLocks}.
 *
 * @example
 * configureLocks(reportsEngine, { name: 'reports' });
 */
export interface ConfigureLocksOptions {
  /**
   * Register the engine under this name, for `@Locked({ engine: name })`.
   * @default 'default'
   * @example
   * configureLocks(new LockEngine({ store: billingStore }), { name: 'billing' });
   * class Invoices {
   *   @Locked({ engine: 'billing' })
   *   async close(): Promise<void> {}
   * }
   */
  name?: string;
}

/**
 * Register the engine `@Locked` methods use (outside NestJS; `LockModule` does this for you).
 * Registering a name again replaces the previous engine.
 *
 * @example
 * configureLocks(new LockEngine({ store: new RedisLockStore(redis) }));
 */
export function configureLocks(engine: LockEngine, options: ConfigureLocksOptions = {}): void {
  const name = options.name ?? DEFAULT_ENGINE_NAME;
  if (typeof name !== 'string' || name.length === 0) {
    throw new LockConfigError(
      `configureLocks: option "name" must be a non-empty string, got ${JSON.stringify(name)}.`,
    );
  }
  if (typeof engine?.withLock !== 'function') {
    throw new LockConfigError('configureLocks: the first argument must be a LockEngine.');
  }
  engines.set(name, engine);
}

/**
 * Forget a registered engine (only if `engine` is given, when it is still the one registered).
 * `@Locked` methods that use the name then reject with `LockConfigError` until one is registered
 * again.
 *
 * @example
 * configureLocks(engine);
 * // ... at shutdown, or between tests:
 * unregisterLockEngine('default', engine);
 * await engine.close();
 */
export function unregisterLockEngine(
  name: string = DEFAULT_ENGINE_NAME,
  engine?: LockEngine,
): void {
  if (engine === undefined || engines.get(name) === engine) engines.delete(name);
}

/** The engine registered under `name`, or `undefined`. */
export function findLockEngine(name: string = DEFAULT_ENGINE_NAME): LockEngine | undefined {
  return engines.get(name);
}

/**
 * The engine registered under `name`; throws `LockConfigError` saying how to register one.
 * `where` names the caller (e.g. `@Locked on Billing.charge`).
 */
export function getLockEngine(
  name: string = DEFAULT_ENGINE_NAME,
  where = 'lockwarden',
): LockEngine {
  const engine = engines.get(name);
  if (engine) return engine;
  if (name === DEFAULT_ENGINE_NAME) {
    throw new LockConfigError(
      `${where}: no lock engine is configured. Call configureLocks(new LockEngine({ store })) at start-up, or import LockModule.forRoot(...) in NestJS.`,
    );
  }
  const known = [...engines.keys()];
  throw new LockConfigError(
    `${where}: no lock engine is registered under the name "${name}" (registered: ${known.length ? known.map((n) => `"${n}"`).join(', ') : 'none'}). Call configureLocks(engine, { name: "${name}" }) or LockModule.forRoot({ name: "${name}", ... }).`,
  );
}
