import { lockContext, type LockFrame } from './context';
import type { EngineLifecycle } from './engine-lifecycle';
import { LockStoreError } from './errors';
import type { InFlight } from './in-flight';
import type { Lock } from './lock';
import type { LockLogger, StoreErrorPolicy } from './options';

/** No frames under a single key's own. */
const NO_FRAMES: ReadonlyArray<readonly [Lock, string]> = [];

/** What running `withLock` bodies needs from the engine. */
export interface BodyHost {
  /** The engine, as the frames of its bodies name it (they may take locks while it closes). */
  readonly engine: object;
  /** The engine's reentrancy scope (store + prefix). */
  readonly scope: object;
  /** The engine's running bodies, what `close({ timeout })` waits for. */
  readonly running: InFlight;
  readonly life: EngineLifecycle;
  readonly logger: LockLogger;
  /** The engine's `onStoreError`. */
  readonly onStoreError: StoreErrorPolicy;
}

/**
 * `withLock` bodies, single-key and multi-key alike: counted while they run (for `close`), run
 * inside their lock's frame (reentrancy, `currentLock()`) and followed by the release; or, when
 * the store failed and the policy is `onStoreError: 'run'`, run without a lock.
 */
export class LockedBodies {
  constructor(private readonly host: BodyHost) {}

  /**
   * Run `fn(lock)` as a body of the engine inside `lock`'s frame (for `storeKey`), under one frame
   * per entry of `under` (outermost first), then release `lock`. A failed release goes to
   * `releaseFailed`, not to the caller: the work is done, and the lock expires by itself.
   */
  hold<T>(
    lock: Lock,
    storeKey: string,
    fn: (lock: Lock) => T | PromiseLike<T>,
    releaseFailed: (error: unknown) => void,
    under: ReadonlyArray<readonly [Lock, string]> = NO_FRAMES,
  ): Promise<T> {
    const { engine, scope: owner } = this.host;
    let parent: LockFrame | undefined = lockContext.getStore();
    for (const [held, key] of under) {
      parent = { lock: held, owner, engine, storeKey: key, parent };
    }
    const frame: LockFrame = { lock, owner, engine, storeKey, parent };
    return this.host.running.run(async () => {
      try {
        return await lockContext.run(frame, () => fn(lock));
      } finally {
        await lock.release().catch(releaseFailed);
      }
    });
  }

  /**
   * Taking the lock of `label` (`"orders:42"`, or a key list) failed with `error`: rethrown unless
   * it is a store failure and the policy (the call's `onStoreError`, else the engine's) is
   * `'run'`. Then `fn` runs without a lock (logged, counted as a body), given `unlocked()`, a lock
   * that is never held. A closing engine still refuses, naming `key`.
   */
  runUnlocked<T>(
    error: unknown,
    policy: StoreErrorPolicy | undefined,
    label: string,
    key: string,
    unlocked: () => Lock,
    fn: (lock: Lock) => T | PromiseLike<T>,
  ): Promise<T> {
    const { host } = this;
    if (!(error instanceof LockStoreError) || (policy ?? host.onStoreError) !== 'run') throw error;
    const refusal = host.life.refusal(undefined, key);
    if (refusal) throw refusal;
    host.logger.warn(
      `lockwarden: running ${label} WITHOUT a lock because the store failed (onStoreError: 'run'): ${String(error.cause)}`,
    );
    const lock = unlocked();
    return host.running.run(async () => fn(lock));
  }
}
