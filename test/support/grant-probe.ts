import type {
  AcquireResult,
  LockStore,
  ReleaseOptions,
  StoreAcquireOptions,
  StoreGrant,
} from '../../src';

/**
 * One "process"'s view of a shared store: passes everything through (grants included), counts
 * acquire calls, and can stop hearing release notifications (`deaf`: a lost grant message).
 */
export class Probe implements LockStore {
  readonly acquires: Array<{ owner: string; sentAt: number; result?: AcquireResult }> = [];
  readonly heard: Array<{ next: string | undefined; grant?: StoreGrant }> = [];
  deaf = false;
  /** Makes `dequeue` fail (a store that does not answer a waiter's leaving). */
  failDequeue = false;
  /** Makes `acquire` fail before it reaches the store. */
  failAcquire = false;
  /** The owners whose leaving was sent to the store (`dequeue`). */
  readonly dequeued: string[] = [];

  constructor(readonly inner: LockStore) {}

  get grants(): boolean | undefined {
    return this.inner.grants;
  }

  async acquire(key: string, owner: string, ttl: number, options?: StoreAcquireOptions) {
    const entry: { owner: string; sentAt: number; result?: AcquireResult } = {
      owner,
      sentAt: Date.now(),
    };
    this.acquires.push(entry);
    if (this.failAcquire) throw new Error('injected acquire failure');
    entry.result = await this.inner.acquire(key, owner, ttl, options);
    return entry.result;
  }
  renew(key: string, owner: string, ttl: number) {
    return this.inner.renew(key, owner, ttl);
  }
  release(key: string, owner: string, options?: ReleaseOptions) {
    return this.inner.release(key, owner, options);
  }
  inspect(key: string) {
    return this.inner.inspect(key);
  }
  forceRelease(key: string) {
    return this.inner.forceRelease(key);
  }
  dequeue(key: string, owner: string) {
    this.dequeued.push(owner);
    if (this.failDequeue) return Promise.reject(new Error('injected dequeue failure'));
    return this.inner.dequeue!(key, owner);
  }
  onRelease(key: string, listener: (next: string | undefined, grant?: StoreGrant) => void) {
    return this.inner.onRelease!(key, (next, grant) => {
      if (this.deaf) return;
      this.heard.push(grant ? { next, grant } : { next });
      listener(next, grant);
    });
  }
}

/** Resolves once `probe` has seen a queued attempt (the waiter is in the store's queue). */
export async function queuedOn(probe: Probe, count = 1): Promise<void> {
  const until = Date.now() + 5_000;
  while (
    probe.acquires.filter((a) => a.result && !a.result.acquired && a.result.queued).length < count
  ) {
    if (Date.now() > until) throw new Error('the waiter never queued');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Resolves once `probe` has seen `count` queued attempts and then no new attempt for `quietMs`
 * (a new waiter's attempt that follows its subscription has been made too).
 */
export async function queuedAndQuiet(probe: Probe, count = 1, quietMs = 40): Promise<void> {
  await queuedOn(probe, count);
  const until = Date.now() + 5_000;
  for (;;) {
    const seen = probe.acquires.length;
    await new Promise((r) => setTimeout(r, quietMs));
    if (probe.acquires.length === seen && probe.acquires.every((a) => a.result)) return;
    if (Date.now() > until) throw new Error('the waiter never stopped attempting');
  }
}
