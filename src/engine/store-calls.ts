import type { AcquireResult, LockStore } from '../stores/lock-store';
import { redactError } from '../stores/redact-error';
import { LockStoreError } from './errors';
import type { LockErrorEvent } from './events';
import type { LockLogger } from './options';
import { boundStoreCall, StoreCallTimeout, type StoreCallBound } from './store-call-bound';

/** What a store call is, for its error message and event. */
export type StoreOperation = LockErrorEvent['operation'];

/**
 * How one engine talks to its store: every call bounded by a `storeTimeout`, every failure a
 * `LockStoreError` that carries no owner token, and the store's configuration checked once.
 */
export class StoreCalls {
  #checked = false;

  constructor(
    readonly store: LockStore,
    private readonly logger: LockLogger,
  ) {}

  /**
   * One store call, bounded by `timeoutMs` and `signal`. A failure or a timeout becomes a
   * `LockStoreError` that carries no owner token; the signal's reason passes through as is.
   */
  run<T>(
    operation: StoreOperation,
    key: string,
    token: string | undefined,
    timeoutMs: number,
    call: () => Promise<T>,
    extra: Omit<StoreCallBound<T>, 'timeoutMs'> = {},
  ): Promise<T> {
    if (!this.#checked) this.#checkOnce();
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (error) {
      // A store that throws instead of rejecting is treated the same.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      pending = Promise.reject(error);
    }
    // Errors are mapped by the bound itself, not by an await here: this is on the path of every
    // store call, and each layer of promises costs client CPU (docs/design.md, "Ninth pass").
    return boundStoreCall(pending, {
      timeoutMs,
      signal: extra.signal,
      onLate: extra.onLate,
      unref: extra.unref,
      mapError: (cause) =>
        extra.signal?.aborted && cause === extra.signal.reason
          ? cause
          : this.error(operation, key, cause, token),
    });
  }

  /**
   * The `LockStoreError` for a failed store call. The cause is a redacted copy (the client may
   * attach the command's arguments, the owner token among them, to its errors): nothing an
   * error, event or log line carries reveals `token`.
   */
  error(operation: StoreOperation, key: string, cause: unknown, token?: string): LockStoreError {
    if (cause instanceof StoreCallTimeout) {
      return new LockStoreError(
        `Lock store did not answer within ${cause.timeoutMs} ms (storeTimeout) during ${operation} of "${key}".`,
        { key, cause },
      );
    }
    const redacted = redactError(cause, token === undefined ? [] : [token]);
    return new LockStoreError(
      `Lock store failed during ${operation} of "${key}": ${redacted.message}`,
      { key, cause: redacted },
    );
  }

  /** An acquire answered after its caller gave up; if it won, give the lock back. */
  releaseLate(storeKey: string, token: string, late: AcquireResult): void {
    if (!late.acquired) return;
    try {
      this.store.release(storeKey, token).catch(() => false);
    } catch {
      // Best effort: the lock expires by itself within its ttl.
    }
  }

  /**
   * Ask the store once, at its first use by this engine, whether its configuration threatens
   * lock safety, and log what it says. Never blocks or fails a lock operation.
   */
  #checkOnce(): void {
    if (this.#checked) return;
    this.#checked = true;
    if (typeof this.store.checkConfiguration !== 'function') return;
    let warnings: Promise<readonly string[]>;
    try {
      warnings = Promise.resolve(this.store.checkConfiguration());
    } catch {
      return;
    }
    warnings.then(
      (list) => {
        for (const warning of Array.isArray(list) ? list : []) {
          this.logger.warn(`lockwarden: ${String(warning)}`);
        }
      },
      () => undefined,
    );
  }
}
