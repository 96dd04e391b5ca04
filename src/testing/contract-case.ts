import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LockStore } from '../stores/lock-store';

/**
 * One test of a shipped suite. Any runner can run it (`it(c.name, c.run)` in Jest or Vitest,
 * `test(c.name, c.run)` in `node:test`), and so can a plain loop: `run` rejects when it fails.
 *
 * @example
 * const failed: string[] = [];
 * for (const c of lockStoreContract(() => ({ store: new MyStore() }))) {
 *   await c.run().catch((error: unknown) => failed.push(`${c.name}: ${String(error)}`));
 * }
 */
export interface ContractCase {
  /**
   * What the case checks, as a sentence; unique within a suite.
   * @example
   * cases.map((c) => c.name).filter((name) => name.includes('fence'));
   */
  readonly name: string;
  /**
   * Runs the case on a fresh store; resolves when the store behaved, rejects with why not.
   * @example
   * for (const c of cases) test(c.name, c.run); // node:test
   */
  readonly run: () => Promise<void>;
}

/**
 * Creates a fresh store for one case; `cleanup` runs after it, whether the case passed or not.
 *
 * @example
 * const factory: StoreFactory = () => {
 *   const store = new RedisLockStore(redis);
 *   return { store, cleanup: () => store.close() };
 * };
 */
export type StoreFactory = () =>
  | Promise<{
      /** A store for this case alone (it may share a server with other cases' stores). */
      store: LockStore;
      /** Runs after the case, passed or failed: close what the factory opened. */
      cleanup?: () => Promise<void>;
    }>
  | {
      /** A store for this case alone (it may share a server with other cases' stores). */
      store: LockStore;
      /** Runs after the case, passed or failed: close what the factory opened. */
      cleanup?: () => Promise<void>;
    };

/**
 * Optional parts of `LockStore`, by the method that provides them (`grant`: the `grants`
 * property, a release that hands the lock to the head of the queue; `successor`: a release that
 * honours `ReleaseOptions.successor`).
 *
 * @example
 * const supports: Partial<Record<StoreCapability, boolean>> = { onRelease: false, fair: false };
 */
export type StoreCapability = 'renewMany' | 'onRelease' | 'fair' | 'grant' | 'successor';

/**
 * Options of `lockStoreContract`.
 *
 * @example
 * lockStoreContract(factory, { shortTtl: 500, supports: { fair: false } });
 */
export interface StoreContractOptions {
  /**
   * A short ttl in ms used by the expiry cases; raise it for a slow remote store.
   * @default 100
   * @example
   * lockStoreContract(() => ({ store: new MyRemoteStore() }), { shortTtl: 1_000 });
   */
  shortTtl?: number;
  /**
   * The optional parts of `LockStore` your store implements. Each one claimed is tested (and
   * fails if its method is missing); each one disclaimed is left out of the cases.
   * @default { renewMany: true, onRelease: true, fair: true, grant: false, successor: false }
   * (`fair` means `dequeue` and the fair-queue rules of `acquire`; `grant` means `grants: true`,
   * checked by its own cases: claim it for a store that grants, as `RedisLockStore` and
   * `MemoryLockStore` do; `successor` means a granting release honours
   * `ReleaseOptions.successor` and `StoreAcquireOptions.overtakable`, as those two do)
   * @example
   * // A store without release notifications and without a fair queue:
   * lockStoreContract(factory, { supports: { onRelease: false, fair: false } });
   * // A store whose release grants the lock to the next waiter:
   * lockStoreContract(factory, { supports: { grant: true } });
   */
  supports?: Partial<Record<StoreCapability, boolean>>;
}

/** What a case's body gets: its own store and key. */
export interface CaseContext {
  readonly store: LockStore;
  /** A random key, so cases may share a server and run at the same time. */
  readonly key: string;
  readonly shortTtl: number;
}

const CAPABILITY_METHOD = {
  renewMany: 'renewMany',
  onRelease: 'onRelease',
  fair: 'dequeue',
  grant: 'grants',
  successor: 'grants',
};

/** Adds a case: `needs` names the optional capabilities it tests. */
export type AddCase = (
  title: string,
  body: (ctx: CaseContext) => Promise<void>,
  needs?: StoreCapability[],
) => void;

/** A fresh owner token. */
export const token = (): string => randomBytes(16).toString('base64url');

/**
 * A fresh holder takes `key` (ttl 10 s) and two fresh waiters queue behind it fairly, in order;
 * resolves to `[holder, first, second]`.
 */
export async function heldWithQueue(
  store: LockStore,
  key: string,
): Promise<[string, string, string]> {
  const owners: [string, string, string] = [token(), token(), token()];
  await store.acquire(key, owners[0], 10_000);
  await store.acquire(key, owners[1], 10_000, { fair: true });
  await store.acquire(key, owners[2], 10_000, { fair: true });
  return owners;
}

/**
 * Collects cases over `factory`: `add(title, body)` for what every store must do,
 * `add(title, body, needs)` for what needs optional capabilities (left out when the store
 * disclaims one; failing when it claims one whose method is missing).
 */
export function contractCases(
  factory: StoreFactory,
  options: StoreContractOptions,
): { cases: ContractCase[]; add: AddCase } {
  const shortTtl = options.shortTtl ?? 100;
  const supports = {
    renewMany: true,
    onRelease: true,
    fair: true,
    grant: false,
    successor: false,
    ...options.supports,
  };
  const cases: ContractCase[] = [];
  const add: AddCase = (title, body, needs = []) => {
    if (!needs.every((capability) => supports[capability])) return;
    cases.push({
      name: title,
      run: async () => {
        const { store, cleanup } = await factory();
        try {
          for (const capability of needs) {
            const method = CAPABILITY_METHOD[capability] as keyof LockStore;
            if (capability === 'grant' || capability === 'successor') {
              assert.equal(
                store.grants,
                true,
                `the store's grants is not true although the suite was told it supports "${capability}" (pass supports: { ${capability}: false } if it does not)`,
              );
              continue;
            }
            assert.equal(
              typeof store[method],
              'function',
              `the store has no ${method}() although the suite was told it supports "${capability}" (pass supports: { ${capability}: false } if it does not)`,
            );
          }
          await body({ store, key: `contract:{${token()}}`, shortTtl });
        } finally {
          await cleanup?.();
        }
      },
    });
  };
  return { cases, add };
}

/** Wait until `condition` holds (a notification arrived), for at most `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) {
      throw new assert.AssertionError({ message: 'condition not met in time' });
    }
    await sleep(5);
  }
}
