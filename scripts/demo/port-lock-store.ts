import type { MessagePort } from 'node:worker_threads';
import type {
  AcquireResult,
  LockInfo,
  LockStore,
  RenewRequest,
  StoreAcquireOptions,
} from 'lockwarden';

/** A store operation sent over the port. */
export interface StoreRequest {
  type: 'lock-store';
  id: number;
  op: StoreOperation;
  args: unknown[];
}

/** What the serving side answers, or pushes (release notifications). */
export type StoreReply =
  | { type: 'lock-store:reply'; id: number; ok: true; value: unknown }
  | { type: 'lock-store:reply'; id: number; ok: false; error: Error }
  | { type: 'lock-store:released'; subscription: number; next: string | undefined };

/** Drops a release subscription on the serving side. */
export interface StoreUnsubscribe {
  type: 'lock-store:unsubscribe';
  subscription: number;
}

export type StoreOperation =
  | 'acquire'
  | 'renew'
  | 'renewMany'
  | 'release'
  | 'inspect'
  | 'forceRelease'
  | 'dequeue'
  | 'subscribe';

/**
 * A {@link LockStore} in a worker thread whose locks live in a store of the main thread
 * (see `port-lock-store-server.ts`): the demo's in-memory variant runs its replicas as threads of
 * one process sharing one `MemoryLockStore` this way. Other messages may share the port; they are
 * left alone, and arrive in the order they were posted relative to the store's requests.
 */
export class PortLockStore implements LockStore {
  readonly #port: MessagePort;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly #listeners = new Map<number, (next: string | undefined) => void>();
  #nextId = 1;
  #closed = false;

  constructor(port: MessagePort) {
    this.#port = port;
    port.on('message', (message: StoreReply) => this.#receive(message));
  }

  acquire(
    key: string,
    owner: string,
    ttl: number,
    options?: StoreAcquireOptions,
  ): Promise<AcquireResult> {
    return this.#call('acquire', [key, owner, ttl, options]);
  }

  renew(key: string, owner: string, ttl: number): Promise<boolean> {
    return this.#call('renew', [key, owner, ttl]);
  }

  renewMany(requests: readonly RenewRequest[]): Promise<Array<boolean | Error>> {
    return this.#call('renewMany', [requests]);
  }

  release(key: string, owner: string): Promise<boolean> {
    return this.#call('release', [key, owner]);
  }

  inspect(key: string): Promise<LockInfo | null> {
    return this.#call('inspect', [key]);
  }

  forceRelease(key: string): Promise<boolean> {
    return this.#call('forceRelease', [key]);
  }

  dequeue(key: string, owner: string): Promise<boolean> {
    return this.#call('dequeue', [key, owner]);
  }

  async onRelease(key: string, listener: (next: string | undefined) => void): Promise<() => void> {
    const subscription = this.#nextId++;
    this.#listeners.set(subscription, listener);
    await this.#call('subscribe', [key, subscription]);
    return () => {
      if (!this.#listeners.delete(subscription) || this.#closed) return;
      this.#port.postMessage({
        type: 'lock-store:unsubscribe',
        subscription,
      } satisfies StoreUnsubscribe);
    };
  }

  /** Drop this side's subscriptions; the port and the served store stay open (not ours). */
  close(): Promise<void> {
    for (const subscription of this.#listeners.keys()) {
      this.#port.postMessage({
        type: 'lock-store:unsubscribe',
        subscription,
      } satisfies StoreUnsubscribe);
    }
    this.#listeners.clear();
    this.#closed = true;
    return Promise.resolve();
  }

  #call<T>(op: StoreOperation, args: unknown[]): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`PortLockStore is closed (${op}).`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve, reject });
      this.#port.postMessage({ type: 'lock-store', id, op, args } satisfies StoreRequest);
    });
  }

  #receive(message: StoreReply): void {
    if (message.type === 'lock-store:released') {
      this.#listeners.get(message.subscription)?.(message.next);
    } else if (message.type === 'lock-store:reply') {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(local(message.value));
      else pending.reject(local(message.error) as Error);
    }
  }
}

/**
 * Structured clone builds what crosses the port in the receiving context's main realm; rebuild it
 * here so results are ordinary arrays, objects and errors of this module's realm (which differs
 * under vm-based test runners such as Jest, where `instanceof` and deep equality would fail).
 */
function local(value: unknown): unknown {
  // `instanceof Error` would miss an error of the other realm; its tag does not.
  if (Object.prototype.toString.call(value) === '[object Error]') {
    const { name, message } = value as Error;
    const error = new Error(message);
    error.name = name;
    return error;
  }
  if (Array.isArray(value)) return Array.from(value as unknown[], local);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, local(v)]));
  }
  return value;
}
