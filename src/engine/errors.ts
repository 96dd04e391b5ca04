/** Stable machine-readable codes, one per error class. */
export type LockErrorCode =
  | 'LOCK_BUSY'
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'LOCK_NOT_HELD'
  | 'LOCK_CONFIG'
  | 'LOCK_KEY'
  | 'LOCK_STORE';

/** Base class of every error lockwarden throws; `code` is stable across releases. */
export abstract class LockError extends Error {
  abstract readonly code: LockErrorCode;
  /** The lock key involved, without the engine prefix, when there is one. */
  readonly key: string | undefined;

  constructor(message: string, options?: { key?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.key = options?.key;
  }
}

/** The lock is held by someone else and the caller asked not to wait (`onBusy: 'throw'`). */
export class LockBusyError extends LockError {
  readonly code = 'LOCK_BUSY';
}

/** Waiting for the lock ran out of `waitTimeout` or `retryCount`. */
export class LockTimeoutError extends LockError {
  readonly code = 'LOCK_TIMEOUT';
}

/** A held lock was lost: a renewal was refused, or its local deadline passed unconfirmed. */
export class LockLostError extends LockError {
  readonly code = 'LOCK_LOST';
}

/** An operation needs the lock to be held by this handle, and it is not. */
export class LockNotHeldError extends LockError {
  readonly code = 'LOCK_NOT_HELD';
}

/** Options, keys or wiring are invalid; the message names what to change. */
export class LockConfigError extends LockError {
  readonly code = 'LOCK_CONFIG';
}

/** A lock key could not be built from a method's arguments. */
export class LockKeyError extends LockError {
  readonly code = 'LOCK_KEY';
}

/** The store (Redis) failed; `cause` holds the original error. Never means "busy". */
export class LockStoreError extends LockError {
  readonly code = 'LOCK_STORE';
}
