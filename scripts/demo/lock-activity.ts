import type { LockEngine } from 'lockwarden';
import type { ActivityBucket, ReplicaEvent } from './protocol';

/**
 * Counts, per second, the `@Locked` calls of this replica that had to wait for their lock (from
 * the engine's `acquired` events) and those that failed, and sends the counts to the demo every
 * `flushMs`.
 */
export class LockActivity {
  readonly #buckets = new Map<number, ActivityBucket>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    engine: LockEngine,
    private readonly keyPrefix: string,
    private readonly send: (event: ReplicaEvent) => void,
    flushMs = 100,
  ) {
    engine.on('acquired', ({ key, attempts, waitedMs }) => {
      // A call that queued behind a local waiter makes its first attempt late, so waiting shows
      // as time (over 1 ms: more than a clock tick) as well as extra attempts.
      if (!key.startsWith(keyPrefix) || (attempts <= 1 && waitedMs <= 1)) return;
      const bucket = this.#bucket();
      bucket.waited += 1;
      bucket.waitedMs.push(waitedMs);
    });
    this.#timer = setInterval(() => this.flush(), flushMs);
    this.#timer.unref();
  }

  /** A call failed. */
  failed(): void {
    this.#bucket().errors += 1;
  }

  flush(): void {
    if (this.#buckets.size === 0) return;
    this.send({ type: 'activity', buckets: [...this.#buckets.values()] });
    this.#buckets.clear();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.flush();
  }

  #bucket(): ActivityBucket {
    const second = Math.floor(Date.now() / 1_000);
    let bucket = this.#buckets.get(second);
    if (!bucket) {
      bucket = { second, waited: 0, waitedMs: [], errors: 0 };
      this.#buckets.set(second, bucket);
    }
    return bucket;
  }
}
