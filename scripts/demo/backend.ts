import type { LockInfo } from 'lockwarden';
import type { RunRecord } from '../../examples/nestjs-app/run-log';
import type { ReplicaHandle, ReplicaOptions } from './protocol';

/** Where this demo run keeps its locks and its run log, and how it starts replicas there. */
export interface Backend {
  readonly kind: 'redis' | 'memory';
  /** Where the locks live, for the screen. */
  readonly description: string;
  /** How a replica is ended abruptly: `SIGKILL`, or terminating its thread. */
  readonly killName: string;
  startReplica(options: Omit<ReplicaOptions, 'redisUrl'>): ReplicaHandle;
  /** Append a record of the demo's own (the kill) to the run log; resolves its position. */
  append(record: RunRecord): Promise<number>;
  /** The run log as Redis keeps it (raw JSON lines), or `undefined` without Redis. */
  readRunLog(): Promise<string[] | undefined>;
  /** The lock `key` (as the app names it) as the store sees it now, never its owner token. */
  inspect(key: string): Promise<LockInfo | null>;
  /** What `close()` waits for, for the screen. */
  readonly closing: string;
  /** Close what the demo opened; remove what it wrote to a Redis it does not own. */
  close(): Promise<void>;
  /** At once, without waiting: end any server the demo started (a second Ctrl-C). */
  abandon(): void;
}
