import { MAX_TIMER_MS, setLongTimeout } from './timers';

/** A bounded call's place among the calls with the same bound. */
export interface Deadline {
  /** The call settled: its bound will not fire. Idempotent. */
  clear(): void;
}

interface Entry extends Deadline {
  readonly due: number;
  readonly fire: () => void;
  readonly ref: boolean;
  settled: boolean;
}

/** The calls bounded by the same number of ms, in the order they were made. */
interface Bucket {
  readonly ms: number;
  readonly entries: Entry[];
  /** Entries before this index are settled and only wait to be dropped. */
  head: number;
  /** Pending entries that must keep the process alive (not `unref`). */
  refs: number;
  timer: NodeJS.Timeout | undefined;
  /** The `setTimeout` that armed `timer`: a test's fake timers replace it, and then we re-arm. */
  armedWith: typeof setTimeout | undefined;
  /** The `clearTimeout` that goes with `armedWith`. */
  disarmWith: typeof clearTimeout | undefined;
}

/**
 * Buckets per bound. Most engines use one or two `storeTimeout`s, so there are few; a bucket
 * whose calls all settled is dropped when its timer next fires (at most its bound later), so
 * bounds that vary per call do not accumulate.
 */
const buckets = new Map<number, Bucket>();

/**
 * Call `fire` once, `ms` from now, unless the returned deadline is cleared first: the bound of one
 * store call. Every call with the same bound shares one bucket and one timer, armed for the
 * oldest pending call and re-armed when it fires, so a call costs an array push instead of a
 * timer of its own; a timer per call (made, then cleared a round trip later) was ~7 µs of client
 * CPU per acquire + release when calls come one at a time. Calls with one bound are due in the
 * order they were made: times are read from the monotonic clock (`performance.now()`), so a wall
 * clock stepped forward or back neither fires bounds early nor holds them back. The timer keeps
 * the process alive only while a call that is not `unref` is pending, as a timer per call would.
 * Bounds beyond Node's longest timer use a timer of their own.
 */
export function addDeadline(fire: () => void, ms: number, unref = false): Deadline {
  if (ms > MAX_TIMER_MS) return setLongTimeout(fire, ms, unref);
  let bucket = buckets.get(ms);
  if (!bucket) {
    bucket = {
      ms,
      entries: [],
      head: 0,
      refs: 0,
      timer: undefined,
      armedWith: undefined,
      disarmWith: undefined,
    };
    buckets.set(ms, bucket);
  }
  const now = performance.now();
  const target = bucket;
  const entry: Entry = {
    due: now + ms,
    fire,
    ref: !unref,
    settled: false,
    clear: () => settle(target, entry),
  };
  bucket.entries.push(entry);
  if (entry.ref && ++bucket.refs === 1) bucket.timer?.ref();
  if (!bucket.timer || bucket.armedWith !== globalThis.setTimeout) {
    arm(bucket, Math.max(0, bucket.entries[bucket.head]!.due - now));
  }
  return entry;
}

function settle(bucket: Bucket, entry: Entry): void {
  if (entry.settled) return;
  entry.settled = true;
  if (entry.ref && --bucket.refs === 0) bucket.timer?.unref();
  const { entries } = bucket;
  while (bucket.head < entries.length && entries[bucket.head]!.settled) bucket.head += 1;
  if (bucket.head === entries.length) {
    entries.length = 0;
    bucket.head = 0;
  } else if (bucket.head >= 1024 && bucket.head * 2 >= entries.length) {
    // Calls settle mostly in order; one that hangs keeps the settled ones behind it until here.
    entries.splice(0, bucket.head);
    bucket.head = 0;
  }
}

function arm(bucket: Bucket, delay: number): void {
  if (bucket.timer) bucket.disarmWith?.(bucket.timer);
  const timer = setTimeout(() => {
    // A timer replaced by a re-arm (fake timers came or went) does nothing.
    if (bucket.timer === timer) expire(bucket);
  }, delay);
  if (bucket.refs === 0) timer.unref();
  bucket.timer = timer;
  bucket.armedWith = globalThis.setTimeout;
  bucket.disarmWith = globalThis.clearTimeout;
}

function expire(bucket: Bucket): void {
  bucket.timer = undefined;
  const now = performance.now();
  const { entries } = bucket;
  while (bucket.head < entries.length) {
    const entry = entries[bucket.head]!;
    if (!entry.settled) {
      if (entry.due > now) break;
      settle(bucket, entry);
      entry.fire();
    } else {
      bucket.head += 1;
    }
  }
  const next = entries[bucket.head];
  if (next) {
    arm(bucket, Math.max(0, next.due - now));
  } else {
    entries.length = 0;
    bucket.head = 0;
    if (buckets.get(bucket.ms) === bucket) buckets.delete(bucket.ms);
  }
}

/** How many bounds have a bucket now (for tests). */
export function deadlineBucketCount(): number {
  return buckets.size;
}
