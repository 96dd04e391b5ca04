import { AsyncLocalStorage } from 'node:async_hooks';
import type { Lock } from './lock';

/** One held lock in the current call chain; `parent` is the enclosing one. */
export interface LockFrame {
  readonly lock: Lock;
  /** Identifies the engine (store + prefix) that holds `lock`. */
  readonly owner: object;
  readonly storeKey: string;
  readonly parent: LockFrame | undefined;
}

export const lockContext = new AsyncLocalStorage<LockFrame>();

/** The innermost lock held by the current call chain (inside `withLock` or `@Locked`). */
export function currentLock(): Lock | undefined {
  return lockContext.getStore()?.lock;
}

/** The held lock for `storeKey` taken by `owner` somewhere up the current call chain. */
export function findHeldInContext(owner: object, storeKey: string): Lock | undefined {
  for (let frame = lockContext.getStore(); frame; frame = frame.parent) {
    if (frame.owner === owner && frame.storeKey === storeKey && frame.lock.held) return frame.lock;
  }
  return undefined;
}
