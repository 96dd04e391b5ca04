import * as lockedDecorator from '../decorators/locked.decorator';

type LockedPlanLookup = (method: unknown) => { engine: string } | undefined;

// `@Locked` does not say yet which methods it wrapped. The explorer needs that (and the engine
// name) to warn about `@Locked` on request-scoped providers; it uses `getLockedPlan(method)` from
// the decorators layer as soon as that is exported, and finds no `@Locked` methods until then.
const getLockedPlan = (lockedDecorator as unknown as Record<string, unknown>)['getLockedPlan'] as
  LockedPlanLookup | undefined;

/** Whether the explorer can recognise `@Locked` methods. */
export const canFindLockedMethods = typeof getLockedPlan === 'function';

/** The engine name of a `@Locked` method, or `undefined` if `method` is not one. */
export function findLockedEngineName(method: unknown): string | undefined {
  if (typeof method !== 'function' || !getLockedPlan) return undefined;
  return getLockedPlan(method)?.engine;
}
