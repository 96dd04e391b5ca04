import { insideBodyOf } from './context';
import { LockConfigError } from './errors';
import type { HeldLeases } from './held-leases';
import type { InFlight } from './in-flight';
import type { KeyWaitersMap } from './key-waiters';
import type { CloseOptions } from './options';
import { DEFAULT_CLOSE_TIMEOUT } from './resolve-options';
import { closeSpec, checkOptions } from './validate';

/** What closing stops, waits for and releases: the engine's own parts. */
export interface EngineParts {
  /** The engine, as its running bodies' frames name it (they may take locks while it drains). */
  readonly engine: object;
  readonly waiters: KeyWaitersMap;
  readonly running: InFlight;
  readonly held: HeldLeases;
}

function closedEngineError(where?: string, key?: string): LockConfigError {
  const message = 'LockEngine is closed; create a new engine to take locks.';
  return new LockConfigError(where ? `${where}: ${message}` : message, { key });
}

/**
 * An engine's life: `open`, then `draining` once `close` is called (new calls are refused, except
 * those made from inside its running `withLock` bodies), then `closed` when the bodies are done or
 * the close timeout ran out and every lock still held is released.
 */
export class EngineLifecycle {
  #state: 'open' | 'draining' | 'closed' = 'open';
  #closing: Promise<void> | undefined;

  constructor(private readonly parts: EngineParts) {}

  /** Why the current call may not take locks (see `close`), or `undefined` if it may. */
  refusal(where: string | undefined, key?: string): LockConfigError | undefined {
    const state = this.#state;
    if (state === 'open' || (state === 'draining' && insideBodyOf(this.parts.engine))) {
      return undefined;
    }
    return closedEngineError(where, key);
  }

  /** Throws the refusal of a call made at `where`, if there is one. */
  admit(where: string): void {
    const refusal = this.refusal(where);
    if (refusal) throw refusal;
  }

  /** `LockEngine.close`: checked once, and every later call waits for the same close. */
  close(options: CloseOptions): Promise<void> {
    if (!this.#closing) {
      checkOptions('LockEngine.close', options, closeSpec);
      this.#closing = this.#close(options.timeout ?? DEFAULT_CLOSE_TIMEOUT);
    }
    return this.#closing;
  }

  async #close(timeout: number): Promise<void> {
    const { waiters, running, held } = this.parts;
    this.#state = 'draining';
    waiters.fail(closedEngineError(), (waiter) => !waiter.nested);
    if (timeout > 0) await running.drain(timeout);
    this.#state = 'closed';
    waiters.close(closedEngineError());
    await held.releaseAll();
  }
}
