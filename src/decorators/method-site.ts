import { LockConfigError } from '../engine/errors';

const ANONYMOUS_CLASS = '(anonymous class)';

/** A class's name for keys and messages; `(anonymous class)` when it has none. */
export function classNameOf(value: unknown): string {
  const name: unknown = typeof value === 'function' ? value.name : undefined;
  return typeof name === 'string' && name.length > 0 ? name : ANONYMOUS_CLASS;
}

/** How a method name appears in keys and messages; a symbol `Symbol(run)` shows as `[run]`. */
export function memberName(key: string | symbol): string {
  return typeof key === 'symbol' ? `[${key.description ?? ''}]` : key;
}

/**
 * The decorated method's class and name: they name it in messages (`@Locked on Billing.charge`)
 * and make its default key (`Billing.charge`).
 *
 * Legacy decorators receive the class. TC39 method decorators do not (by design of the
 * proposal), so there the class is found on the first call, from `this`: the class whose
 * prototype (or, for a static method, the class itself) holds the wrapper. Until then messages
 * name only the method.
 */
export class MethodSite {
  className: string | undefined;
  where: string;
  #defaultKey: string | undefined;

  constructor(
    readonly name: string,
    readonly isStatic: boolean,
  ) {
    this.where = `@Locked on ${isStatic ? 'static ' : ''}method ${name}`;
  }

  /** `Class.method`, the key of a `@Locked` method without a `key` option. */
  get defaultKey(): string {
    if (this.#defaultKey === undefined) {
      throw new LockConfigError(
        `${this.where}: cannot tell which class the method belongs to, because it was called without an instance; give it a "key" option.`,
      );
    }
    return this.#defaultKey;
  }

  setClass(value: unknown): void {
    const name = classNameOf(value);
    this.className = name;
    this.where = `@Locked on ${name}.${this.name}`;
    this.#defaultKey = `${name}.${this.name}`;
  }

  /** Find the class from the receiver of a call (TC39 only); leaves it unknown without one. */
  locate(receiver: unknown, wrapper: unknown): void {
    if (receiver === null || (typeof receiver !== 'object' && typeof receiver !== 'function')) {
      return;
    }
    const classOf = (holder: object): unknown =>
      this.isStatic ? holder : (holder as { constructor?: unknown }).constructor;
    let firstHolder: object | undefined;
    let holder = (this.isStatic ? receiver : Object.getPrototypeOf(receiver)) as object | null;
    for (; holder; holder = Object.getPrototypeOf(holder) as object | null) {
      const descriptor = Object.getOwnPropertyDescriptor(holder, this.name);
      if (!descriptor) continue;
      if (descriptor.value === wrapper) {
        this.setClass(classOf(holder));
        return;
      }
      // A decorator applied after @Locked wrapped it again: the nearest holder is our best guess.
      firstHolder ??= holder;
    }
    // Private methods (#name) are not properties at all.
    this.setClass(firstHolder ? classOf(firstHolder) : classOf(receiver));
  }
}
