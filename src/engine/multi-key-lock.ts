import { LockConfigError, LockLostError, LockNotHeldError } from './errors';
import { Lock } from './lock';
import { keyListLabel } from './multi-key-order';

/**
 * A part's release failed where nobody receives the error (after a loss, when undoing a grant, or
 * beside another part's failure that `release()` rejects with).
 */
export type ReleaseFailed = (key: string, error: unknown) => void;

/**
 * A lock over several keys: one single-key {@link Lock} per key (each its own lease in the store,
 * renewed by the engine like any other), seen as one lock. The set is held while every part is;
 * when one part is lost (or released behind its back, as by `engine.close()`), the set's signal
 * aborts with that part's reason and the other parts are released at once. Each part's hold is
 * given back exactly once, so a part shared with an enclosing lock (reentrancy) keeps that lock's
 * hold.
 */
export class MultiKeyLease extends Lock {
  readonly #controller = new AbortController();
  readonly #keys: readonly string[];
  readonly #fences: ReadonlyMap<string, number>;
  readonly #fence: number;
  #state: 'held' | 'released' | 'lost' = 'held';
  /** The latest ttl asked for (acquire or `extend`); `extend()` without a ttl sends it. */
  #ttl: number;
  /** One single-key lock per key, in `keys` order. */
  readonly #parts: readonly Lock[];
  readonly #label: string;
  readonly #releaseFailed: ReleaseFailed;
  /** Each part's release, started at most once. */
  readonly #given: Array<Promise<boolean> | undefined>;
  /** Parts released in the background (after a loss): their outcome is already reported. */
  readonly #inBackground = new Set<number>();
  readonly #detach: Array<() => void> = [];

  /**
   * The set of `parts`, held while all of them are. `unlocked`: the handle of a run without a
   * lock (`onStoreError: 'run'`), never held.
   */
  constructor(parts: readonly Lock[], ttl: number, releaseFailed: ReleaseFailed, unlocked = false) {
    super();
    this.#parts = parts;
    this.#keys = Object.freeze(parts.map((part) => part.key));
    this.#fences = new Map(parts.map((part) => [part.key, part.fence]));
    this.#fence = Math.max(...parts.map((part) => part.fence));
    this.#ttl = ttl;
    this.#label = keyListLabel(this.#keys);
    this.#releaseFailed = releaseFailed;
    this.#given = parts.map(() => undefined);
    if (unlocked) {
      this.#state = 'released';
      return;
    }
    for (const part of parts) {
      const { signal } = part;
      const ended = (): void => this.#partEnded(signal.reason);
      signal.addEventListener('abort', ended, { once: true });
      this.#detach.push(() => signal.removeEventListener('abort', ended));
    }
    const gone = parts.find((part) => part.signal.aborted);
    if (gone) this.#partEnded(gone.signal.reason);
  }

  /** The first key (the one taken first). */
  override get key(): string {
    return this.#keys[0]!;
  }

  override get keys(): readonly string[] {
    return this.#keys;
  }

  override get fences(): ReadonlyMap<string, number> {
    return this.#fences;
  }

  override get fence(): number {
    return this.#fence;
  }

  /** The owner token of `key`'s part. */
  override get token(): string {
    return this.#parts[0]!.token;
  }

  override get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get state(): 'held' | 'released' | 'lost' {
    return this.#state;
  }

  /** One single-key lock per key, in `keys` order. */
  get parts(): readonly Lock[] {
    return this.#parts;
  }

  /** Whether every part is held (a part past its deadline is lost now, and the set with it). */
  override get held(): boolean {
    // Reading a part's `held` reports its loss (and so the set's) if its deadline has passed.
    return (
      this.#state === 'held' && this.#parts.every((part) => part.held) && this.#state === 'held'
    );
  }

  /** The earliest local deadline of the parts. */
  override get expiresAt(): number {
    return Math.min(...this.#parts.map((part) => part.expiresAt));
  }

  override async extend(ttl: number = this.#ttl): Promise<void> {
    if (!Number.isSafeInteger(ttl) || ttl <= 0) {
      throw new LockConfigError(
        `lock.extend(${this.#label}): ttl must be a positive integer number of milliseconds, got ${String(ttl)}.`,
        { key: this.key },
      );
    }
    this.#assertHeld('extend');
    this.#ttl = ttl;
    const results = await Promise.allSettled(this.#parts.map((part) => part.extend(ttl)));
    // A part found lost ended the set (its listener ran): report that loss, whichever came first.
    if (this.#state === 'lost') throw this.#controller.signal.reason;
    for (const result of results) if (result.status === 'rejected') throw result.reason;
    this.#assertHeld('extend');
  }

  override async release(): Promise<boolean> {
    if (this.#state === 'released') return false;
    const wasLost = this.#state === 'lost';
    this.#state = 'released';
    this.#end();
    if (!this.#controller.signal.aborted) this.#controller.abort();
    const own = this.#parts.map((_, i) => (this.#given[i] ? undefined : this.#giveBack(i)));
    const results = await Promise.allSettled(
      this.#parts.map((_, i) => this.#given[i] as Promise<boolean>),
    );
    let released = !wasLost;
    let failure: { error: unknown } | undefined;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        released &&= result.value && own[i] !== undefined;
      } else {
        released = false;
        if (this.#inBackground.has(i)) return;
        // The first failure is the rejection; the others still deserve to be heard.
        if (failure) this.#releaseFailed(this.#parts[i]!.key, result.reason);
        else failure = { error: result.reason };
      }
    });
    if (failure) throw failure.error;
    return released;
  }

  protected override listedKeys(): readonly string[] {
    return this.#keys;
  }

  /** A part's signal aborted: lost (its `LockLostError`) or released behind the set's back. */
  #partEnded(reason: unknown): void {
    if (this.#state !== 'held') return;
    this.#state = reason instanceof LockLostError ? 'lost' : 'released';
    this.#end();
    this.#controller.abort(reason);
    // The rest must not stay locked for nothing.
    this.#parts.forEach((part, i) => {
      if (this.#given[i]) return;
      this.#inBackground.add(i);
      this.#giveBack(i).catch((error: unknown) => this.#releaseFailed(part.key, error));
    });
  }

  #giveBack(i: number): Promise<boolean> {
    return (this.#given[i] ??= this.#parts[i]!.release());
  }

  #end(): void {
    for (const detach of this.#detach.splice(0)) detach();
  }

  #assertHeld(operation: string): void {
    if (!this.held) {
      throw new LockNotHeldError(
        `Cannot ${operation} lock ${this.#label}: it is ${this.#state === 'lost' ? 'lost' : 'no longer held (released)'}.`,
        { key: this.key },
      );
    }
  }
}
