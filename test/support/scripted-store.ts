import type { LockStore } from '../../src';

type Method =
  | 'acquire'
  | 'renew'
  | 'renewMany'
  | 'release'
  | 'inspect'
  | 'forceRelease'
  | 'onRelease'
  | 'dequeue';

/**
 * Wraps a real store: counts calls per method and lets a test make a method fail or hang,
 * so failure paths are one line each.
 */
export class ScriptedStore implements LockStore {
  readonly calls: Record<Method, number> = {
    acquire: 0,
    renew: 0,
    renewMany: 0,
    release: 0,
    inspect: 0,
    forceRelease: 0,
    onRelease: 0,
    dequeue: 0,
  };
  /** Sizes of the batches passed to renewMany. */
  readonly batches: number[] = [];
  readonly #failing = new Map<Method, Error>();
  readonly #hanging = new Set<Method>();

  constructor(readonly inner: LockStore) {}

  fail(method: Method, error: Error = new Error(`injected ${method} failure`)): void {
    this.#failing.set(method, error);
  }

  hang(method: Method): void {
    this.#hanging.add(method);
  }

  heal(): void {
    this.#failing.clear();
    this.#hanging.clear();
  }

  async #run<T>(method: Method, call: () => Promise<T>): Promise<T> {
    this.calls[method] += 1;
    const error = this.#failing.get(method);
    if (error) throw error;
    if (this.#hanging.has(method)) return new Promise<T>(() => undefined);
    return call();
  }

  acquire(...args: Parameters<LockStore['acquire']>) {
    return this.#run('acquire', () => this.inner.acquire(...args));
  }
  renew(...args: Parameters<LockStore['renew']>) {
    return this.#run('renew', () => this.inner.renew(...args));
  }
  renewMany(requests: Parameters<NonNullable<LockStore['renewMany']>>[0]) {
    this.batches.push(requests.length);
    return this.#run('renewMany', () =>
      this.inner.renewMany
        ? this.inner.renewMany(requests)
        : Promise.all(requests.map((r) => this.inner.renew(r.key, r.owner, r.ttl))),
    );
  }
  release(...args: Parameters<LockStore['release']>) {
    return this.#run('release', () => this.inner.release(...args));
  }
  inspect(...args: Parameters<LockStore['inspect']>) {
    return this.#run('inspect', () => this.inner.inspect(...args));
  }
  forceRelease(...args: Parameters<LockStore['forceRelease']>) {
    return this.#run('forceRelease', () => this.inner.forceRelease(...args));
  }
  onRelease(key: string, listener: (next: string | undefined) => void) {
    return this.#run('onRelease', () =>
      this.inner.onRelease ? this.inner.onRelease(key, listener) : Promise.resolve(() => undefined),
    );
  }
  dequeue(key: string, owner: string) {
    return this.#run('dequeue', () => this.inner.dequeue?.(key, owner) ?? Promise.resolve(false));
  }
  close() {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

/**
 * A plain object store over `inner` with only the five required operations, plus `overrides`
 * (to drop optional capabilities, or to slow one operation down as a round trip would).
 */
export function storeOver(inner: LockStore, overrides: Partial<LockStore> = {}): LockStore {
  return {
    acquire: (...args) => inner.acquire(...args),
    renew: (...args) => inner.renew(...args),
    release: (...args) => inner.release(...args),
    inspect: (...args) => inner.inspect(...args),
    forceRelease: (...args) => inner.forceRelease(...args),
    ...overrides,
  };
}
