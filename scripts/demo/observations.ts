import type { LoggedRecord } from './ledger';
import type { ActivityBucket, ReplicaEvent } from './protocol';
import type { TrafficTotals } from './summary';

/** Everything the replicas reported, gathered as it arrives. */
export class Observations {
  readonly records: LoggedRecord[] = [];
  readonly skips: Array<{ replica: string; tick: number }> = [];
  readonly ready = new Map<string, number>();
  readonly closed = new Set<string>();
  /** Errors, crashes, unexpected exits. */
  readonly problems: string[] = [];
  readonly #activity = new Map<number, { waited: number; errors: number }>();
  readonly traffic: TrafficTotals = { waited: 0, waitedMs: [], errors: 0 };
  readonly #recordListeners: Array<(logged: LoggedRecord) => void> = [];

  /** Take in one event of `replica`. */
  take(replica: string, event: ReplicaEvent): void {
    switch (event.type) {
      case 'ready':
        this.ready.set(replica, event.at);
        break;
      case 'record': {
        const logged = { position: event.position, record: event.record };
        this.records.push(logged);
        for (const listener of this.#recordListeners) listener(logged);
        break;
      }
      case 'tick-skipped':
        this.skips.push({ replica, tick: event.tick });
        break;
      case 'activity':
        for (const bucket of event.buckets) this.#addActivity(bucket);
        break;
      case 'log':
        if (event.level === 'error') this.problems.push(`${replica}: ${event.text}`);
        break;
      case 'closed':
        this.closed.add(replica);
        break;
      case 'fatal':
        this.problems.push(`${replica} crashed: ${event.error.split('\n')[0]}`);
        break;
    }
  }

  /** Call `listener` with every record from now on, as it arrives. */
  onRecord(listener: (logged: LoggedRecord) => void): void {
    this.#recordListeners.push(listener);
  }

  /** `@Locked` calls that waited, and failed, in the epoch second `second` (all replicas). */
  activityIn(second: number): { waited: number; errors: number } {
    return this.#activity.get(second) ?? { waited: 0, errors: 0 };
  }

  #addActivity(bucket: ActivityBucket): void {
    const sum = this.#activity.get(bucket.second) ?? { waited: 0, errors: 0 };
    sum.waited += bucket.waited;
    sum.errors += bucket.errors;
    this.#activity.set(bucket.second, sum);
    this.traffic.waited += bucket.waited;
    this.traffic.waitedMs.push(...bucket.waitedMs);
    this.traffic.errors += bucket.errors;
  }
}
