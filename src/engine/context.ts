import { AsyncLocalStorage } from 'node:async_hooks';
import type { LockStore } from '../stores/lock-store';
import type { Lock } from './lock';

/** One held lock in the current call chain; `parent` is the enclosing one. */
export interface LockFrame {
  readonly lock: Lock;
  /** The scope (store + prefix) that holds `lock`: engines sharing one see the same keys. */
  readonly owner: object;
  /** The engine whose `withLock` body this frame is (it admits calls from it while closing). */
  readonly engine: object;
  readonly storeKey: string;
  readonly parent: LockFrame | undefined;
}

export const lockContext = new AsyncLocalStorage<LockFrame>();

/**
 * The innermost lock held by the current call chain (inside `withLock` or `@Locked`), or
 * `undefined` outside of one. Lets code deep in a locked call reach the lock's `signal` and
 * `fence` without passing the lock down.
 *
 * @example
 * async function save(order: Order): Promise<void> {
 *   const lock = currentLock(); // the lock of the locked method that called us
 *   await db.save(order, { fence: lock?.fence, signal: lock?.signal });
 * }
 */
export function currentLock(): Lock | undefined {
  return lockContext.getStore()?.lock;
}

/** Whether the current call chain runs inside a `withLock` body of `engine`. */
export function insideBodyOf(engine: object): boolean {
  for (let frame = lockContext.getStore(); frame; frame = frame.parent) {
    if (frame.engine === engine) return true;
  }
  return false;
}

/** The held lock for `storeKey` taken by `owner` somewhere up the current call chain. */
export function findHeldInContext(owner: object, storeKey: string): Lock | undefined {
  for (let frame = lockContext.getStore(); frame; frame = frame.parent) {
    if (frame.owner === owner && frame.storeKey === storeKey && frame.lock.held) return frame.lock;
  }
  return undefined;
}

// Engines sharing one store and prefix see the same keys, so reentrancy is scoped to that pair.
const scopes = new WeakMap<LockStore, Map<string, object>>();

/** The reentrancy scope of engines over `store` with `prefix` (one object per pair). */
export function reentrancyScope(store: LockStore, prefix: string): object {
  let byPrefix = scopes.get(store);
  if (!byPrefix) {
    byPrefix = new Map();
    scopes.set(store, byPrefix);
  }
  let scope = byPrefix.get(prefix);
  if (!scope) {
    scope = {};
    byPrefix.set(prefix, scope);
  }
  return scope;
}
