import { LockConfigError, LockKeyError } from '../engine/errors';
import type { BusyPolicy } from '../engine/options';
import { isKeyList, validateKeyList } from '../engine/multi-key-order';
import { describeValue, validateKey } from '../engine/validate';
import { copyOwnMetadata } from './copy-metadata';
import { getLockEngine } from './engine-registry';
import {
  planLocked,
  type LockKeyFunction,
  type LockedOptions,
  type LockedPlan,
} from './locked-options';
import { MethodSite, memberName } from './method-site';

/**
 * A method `@Locked` can decorate: one that returns a Promise.
 *
 * @example
 * const ok: LockableMethod = async (id: string) => id; // returns a Promise
 * // const no: LockableMethod = (id: string) => id;    // does not compile
 */
// `any` because TypeScript's own ClassMethodDecoratorContext constrains methods with it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LockableMethod = (...args: any[]) => Promise<unknown>;

/**
 * `unknown` when options with key parameters `A` and busy policy `B` fit method `M`; otherwise an
 * object type whose property name says what is wrong, which the compiler shows in its error.
 *
 * @example
 * class Accounts {
 *   // error: '@Locked: the key function must accept the parameters of the decorated method'
 *   @Locked({ key: (id: number) => `account:${id}` })
 *   async credit(id: string): Promise<void> {}
 * }
 */
export type LockedMethodCheck<
  A extends unknown[],
  B extends BusyPolicy,
  M extends LockableMethod,
> = (LockKeyFunction<A> extends LockKeyFunction<Parameters<M>>
  ? unknown
  : {
      /** The compiler names this property in its error when the key function does not fit. */
      '@Locked: the key function must accept the parameters of the decorated method': Parameters<M>;
    }) &
  ('skip' extends B
    ? undefined extends Awaited<ReturnType<M>>
      ? unknown
      : {
          /** The compiler names this property in its error when `'skip'` cannot resolve `undefined`. */
          "@Locked: with onBusy 'skip' the method resolves undefined when the lock is busy, so its return type must include undefined": Awaited<
            ReturnType<M>
          >;
        }
    : unknown);

/**
 * The decorator `@Locked(...)` returns, for legacy (`experimentalDecorators`) and TC39 standard
 * decorators alike.
 *
 * @example
 * ```ts
 * const perInvoice: LockedDecorator<[Invoice], 'wait'> = Locked({ key: 'invoice:{0.id}' });
 * class Billing {
 *   @perInvoice
 *   async charge(invoice: Invoice): Promise<void> {}
 * }
 * ```
 */
export interface LockedDecorator<A extends unknown[], B extends BusyPolicy> {
  /** Legacy (`experimentalDecorators`, as NestJS uses). */
  <M extends LockableMethod>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<M> & LockedMethodCheck<A, B, M>,
  ): void;
  /** TC39 standard decorators (TypeScript 5+ without `experimentalDecorators`). */
  <This, M extends LockableMethod>(
    value: M,
    context: ClassMethodDecoratorContext<This, M> & LockedMethodCheck<A, B, M>,
  ): M;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

const plans = new WeakMap<object, LockedPlan>();

/**
 * What `@Locked` resolved for `method` when the class was defined (its engine name, key and lock
 * options), or `undefined` if `method` is not a function `@Locked` returned. For tooling such as
 * the NestJS explorer; a decorator applied after `@Locked` that wraps the method again hides it.
 */
export function getLockedPlan(method: unknown): LockedPlan | undefined {
  return typeof method === 'function' ? plans.get(method) : undefined;
}

/** The fields of a TC39 decorator context that `@Locked` reads. */
interface DecoratorContext {
  kind: string;
  name: string | symbol;
  static?: boolean;
  addInitializer?: (initializer: (this: unknown) => void) => void;
}

function isDecoratorContext(value: unknown): value is DecoratorContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string'
  );
}

/**
 * Run the method while holding a distributed lock, one call at a time per key across every
 * process sharing the engine's store. The method must return a Promise; its result and errors
 * pass through, and the lock is released before the returned promise settles.
 *
 * Options are checked when the class is defined; the engine is looked up on each call (see
 * `configureLocks`). A `@Locked` method calling another `@Locked` method (or itself) with the
 * same key on the same engine reuses the lock instead of deadlocking; inside, `currentLock()`
 * returns the lock.
 *
 * @example
 * class Accounts {
 *   @Locked({ key: (id: string, amount: number) => `account:${id}`, ttl: 5_000 })
 *   async credit(id: string, amount: number) { ... }
 *
 *   @Locked({ key: 'invoice:{0.id}', onBusy: 'skip' })
 *   async send(invoice: { id: string }) { ... }
 *
 *   @Locked() // key: 'Accounts.audit'
 *   async audit() { ... }
 * }
 */
export function Locked<A extends unknown[] = unknown[], B extends BusyPolicy = 'wait'>(
  options?: LockedOptions<A, B>,
): LockedDecorator<A, B> {
  function lockedDecorator(...args: unknown[]): unknown {
    const [target, keyOrContext, descriptor] = args;
    if (args.length === 2 && isDecoratorContext(keyOrContext)) {
      return decorateStandard(target, keyOrContext, options);
    }
    return decorateLegacy(target, keyOrContext, descriptor, options);
  }
  return lockedDecorator as LockedDecorator<A, B>;
}

function decorateLegacy(
  target: unknown,
  propertyKey: unknown,
  descriptor: unknown,
  options: unknown,
): PropertyDescriptor {
  const isStatic = typeof target === 'function';
  const owner = isStatic ? target : (target as { constructor?: unknown } | null)?.constructor;
  const name =
    typeof propertyKey === 'string' || typeof propertyKey === 'symbol'
      ? memberName(propertyKey)
      : String(propertyKey);
  const site = new MethodSite(name, isStatic);
  site.setClass(owner);
  const method = (descriptor as PropertyDescriptor | undefined)?.value as unknown;
  if (typeof method !== 'function') {
    throw new LockConfigError(
      `${site.where}: @Locked can only decorate methods, and ${name} is not one.`,
    );
  }
  (descriptor as PropertyDescriptor).value = wrap(method as Method, options, site);
  return descriptor as PropertyDescriptor;
}

function decorateStandard(value: unknown, context: DecoratorContext, options: unknown): Method {
  const name = memberName(context.name);
  if (context.kind !== 'method' || typeof value !== 'function') {
    throw new LockConfigError(
      `@Locked on ${name}: @Locked can only decorate methods, not a ${context.kind}.`,
    );
  }
  const site = new MethodSite(name, context.static === true);
  const wrapper = wrap(value as Method, options, site);
  // Static initializers run while the class is defined, with `this` the class.
  if (site.isStatic) {
    context.addInitializer?.(function (this: unknown) {
      site.setClass(this);
    });
  }
  return wrapper;
}

function wrap(original: Method, options: unknown, site: MethodSite): Method {
  const plan = planLocked(site.where, options, original.length);
  const keyOf = keyResolver(plan.key, site);
  const { engine: engineName, lockOptions } = plan;
  const wrapper = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    try {
      if (site.className === undefined) site.locate(this, wrapper);
      const engine = getLockEngine(engineName, site.where);
      const key = keyOf(args);
      if (isKeyList(key)) validateKeyList(site.where, key, LockKeyError);
      else validateKey(site.where, key, LockKeyError);
      return engine.withLock(key, () => original.apply(this, args), lockOptions);
    } catch (error) {
      // A Promise-returning method reports every failure through its promise, as thrown.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
  };
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  copyOwnMetadata(original, wrapper);
  plans.set(wrapper, plan);
  return wrapper;
}

function keyResolver(
  key: LockedPlan['key'],
  site: MethodSite,
): (args: unknown[]) => string | readonly string[] {
  if (key === undefined) return () => site.defaultKey;
  if (typeof key === 'function') return (args) => callKeyFunction(key, args, site.where);
  const { constant } = key;
  if (constant !== undefined) return () => constant;
  return (args) => key.render(args, site.where);
}

function callKeyFunction(
  keyFunction: LockKeyFunction,
  args: unknown[],
  where: string,
): string | readonly string[] {
  let key: unknown;
  try {
    key = keyFunction(...args);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new LockKeyError(`${where}: the key function threw: ${reason}`, { cause });
  }
  if (isKeyList(key)) {
    if (key.length > 0) return key;
    throw new LockKeyError(
      `${where}: the key function returned an empty list; return a non-empty string or a non-empty list of keys.`,
    );
  }
  if (typeof key !== 'string' || key.length === 0) {
    throw new LockKeyError(
      `${where}: the key function must return a non-empty string or a list of keys, got ${describeValue(key)}.`,
    );
  }
  return key;
}
