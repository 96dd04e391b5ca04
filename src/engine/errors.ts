/**
 * Stable machine-readable codes, one per error class.
 *
 * @example
 * function status(error: unknown): number {
 *   if (!(error instanceof LockError)) return 500;
 *   const byCode: Record<LockErrorCode, number> = {
 *     LOCK_BUSY: 409, LOCK_TIMEOUT: 409, LOCK_LOST: 409, LOCK_NOT_HELD: 409,
 *     LOCK_CONFIG: 500, LOCK_KEY: 400, LOCK_STORE: 503,
 *   };
 *   return byCode[error.code];
 * }
 */
export type LockErrorCode =
  | 'LOCK_BUSY'
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'LOCK_NOT_HELD'
  | 'LOCK_CONFIG'
  | 'LOCK_KEY'
  | 'LOCK_STORE';

/**
 * Base class of every error lockwarden throws; `code` is stable across releases. Messages name
 * what is involved (class, method, key, option) and what to change; none contains an owner token.
 *
 * @example
 * try {
 *   await engine.withLock('orders:42', work);
 * } catch (error) {
 *   if (error instanceof LockError) log.warn(`${error.code} on ${error.key}: ${error.message}`);
 *   else throw error;
 * }
 */
export abstract class LockError extends Error {
  /** Which kind of failure this is; compare it instead of messages, which may change. */
  abstract readonly code: LockErrorCode;
  /**
   * The lock key involved, without the engine prefix, when there is one.
   *
   * @example
   * engine.acquire('orders:42', { onBusy: 'throw' }).catch((error: LockError) => error.key); // 'orders:42'
   */
  readonly key: string | undefined;

  /**
   * For lockwarden's own errors and stores: a custom `LockStore` may throw `LockStoreError`.
   *
   * @param message what happened and what to change
   * @param options `key`: the lock key involved; `cause`: the underlying error, if any
   */
  constructor(message: string, options?: { key?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.key = options?.key;
  }
}

/**
 * The lock is held by someone else and the caller asked not to wait (`onBusy: 'throw'`).
 *
 * @example
 * try {
 *   await engine.withLock('report', build, { onBusy: 'throw' });
 * } catch (error) {
 *   if (error instanceof LockBusyError) return 'a report is already being built';
 *   throw error;
 * }
 */
export class LockBusyError extends LockError {
  /** Always `'LOCK_BUSY'`. */
  readonly code = 'LOCK_BUSY';
}

/**
 * Waiting for the lock ran out of `waitTimeout` or `retryCount` (also `waitTimeout: 0` on a
 * busy lock).
 *
 * @example
 * const lock = await engine.acquire('orders:42', { waitTimeout: 5_000 }).catch((error) => {
 *   if (error instanceof LockTimeoutError) return null; // still busy after 5 s
 *   throw error;
 * });
 */
export class LockTimeoutError extends LockError {
  /** Always `'LOCK_TIMEOUT'`. */
  readonly code = 'LOCK_TIMEOUT';
}

/**
 * A held lock was lost: a renewal was refused, or its local deadline passed unconfirmed. Never
 * thrown from a timer: it is the reason of the lock's `signal`, the `lost` event's `error`, and
 * what `lock.extend()` rejects with when the store says the lock is gone.
 *
 * @example
 * await engine.withLock('sync', async (lock) => {
 *   lock.signal.addEventListener('abort', () => {
 *     if (lock.signal.reason instanceof LockLostError) log.error(lock.signal.reason.message);
 *   });
 *   await sync({ signal: lock.signal });
 * });
 */
export class LockLostError extends LockError {
  /** Always `'LOCK_LOST'`. */
  readonly code = 'LOCK_LOST';
}

/**
 * An operation needs the lock to be held by this handle, and it is not (`lock.extend()` after
 * the lock was released or lost).
 *
 * @example
 * await lock.release();
 * await lock.extend(10_000); // rejects with LockNotHeldError
 */
export class LockNotHeldError extends LockError {
  /** Always `'LOCK_NOT_HELD'`. */
  readonly code = 'LOCK_NOT_HELD';
}

/**
 * Options, keys or wiring are invalid; the message names what to change. Thrown at the earliest
 * moment: when a decorated class is defined, an engine or store is created, or a call is made.
 *
 * @example
 * new LockEngine({ store, defaults: { ttl: 0 } });
 * // LockConfigError: ... ttl must be a positive integer number of milliseconds ...
 */
export class LockConfigError extends LockError {
  /** Always `'LOCK_CONFIG'`. */
  readonly code = 'LOCK_CONFIG';
}

/**
 * A lock key could not be built from a method's arguments, or is not a valid key (empty, over
 * 1 024 UTF-8 bytes, or with a lone UTF-16 surrogate).
 *
 * @example
 * class Orders {
 *   @Locked({ key: 'order:{0.customer.id}' })
 *   async ship(order: { customer?: { id: string } }): Promise<void> {}
 * }
 * await new Orders().ship({}); // LockKeyError: ... cannot read {0.customer.id} ...
 */
export class LockKeyError extends LockError {
  /** Always `'LOCK_KEY'`. */
  readonly code = 'LOCK_KEY';
}

/**
 * The store (Redis) failed or did not answer within `storeTimeout`; `cause` holds a redacted copy
 * of the original error. Never means "busy".
 *
 * @example
 * try {
 *   await engine.withLock('orders:42', work);
 * } catch (error) {
 *   if (error instanceof LockStoreError) return retryLater(error.cause);
 *   throw error;
 * }
 */
export class LockStoreError extends LockError {
  /** Always `'LOCK_STORE'`. */
  readonly code = 'LOCK_STORE';
}
