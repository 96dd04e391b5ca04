/**
 * What the demo and its replicas tell each other. A replica is examples/nestjs-app in a forked
 * process (Redis) or a worker thread (the in-memory variant); both speak these messages.
 */
import type { RunRecord } from '../../examples/nestjs-app/run-log';

/** How the demo starts one replica. */
export interface ReplicaOptions {
  /** `a`, `b`, `c`: names the replica in the run log and on screen. */
  name: string;
  /** Redis for the locks and the run log; without it the replica runs on the link's store. */
  redisUrl?: string;
  /** Key prefix of this demo run's locks. */
  prefix: string;
  /** Redis list of this demo run's records. */
  runLogKey: string;
  /** How long one heartbeat run takes, ms. */
  jobDurationMs: number;
  /** Concurrent callers of `BillingService.charge`, each on its own invoice of `invoices`. */
  callers: number;
  invoices: readonly string[];
}

/** Lock activity of `@Locked` calls in one second of one replica (from the engine's events). */
export interface ActivityBucket {
  /** Epoch second. */
  second: number;
  /** Calls that got the lock only after waiting for it. */
  waited: number;
  /** How long each of those waited, ms. */
  waitedMs: number[];
  /** Calls that failed (timeouts, store errors). */
  errors: number;
}

/** What a replica reports. */
export type ReplicaEvent =
  /** The app is up and its cron jobs are scheduled. */
  | { type: 'ready'; at: number }
  /** A run record, with its 1-based position in the run log (the order things happened in). */
  | { type: 'record'; record: RunRecord; position: number }
  /** This replica's scheduler fired `tick` and skipped it (another replica claimed it, ...). */
  | { type: 'tick-skipped'; tick: number; reason: string }
  | { type: 'activity'; buckets: ActivityBucket[] }
  /** A warning or error the app logged. */
  | { type: 'log'; level: 'warn' | 'error'; text: string }
  /** Shut down gracefully: runs finished, locks released. */
  | { type: 'closed'; at: number }
  | { type: 'fatal'; error: string };

/** What the demo tells a replica. */
export type DemoCommand =
  /** Start calling `BillingService.charge`. */
  | { type: 'traffic' }
  /** Stop calling, finish what runs, release the locks and exit. */
  | { type: 'close' };

/** The demo's handle on a running replica, whatever it runs in. */
export interface ReplicaHandle {
  readonly name: string;
  /** `pid 4242` or `thread 3`, for the screen. */
  readonly where: string;
  onEvent(listener: (event: ReplicaEvent) => void): void;
  send(command: DemoCommand): void;
  /** End it abruptly (SIGKILL, or terminating its thread): nothing is released or finished. */
  kill(): Promise<void>;
  /** Settles when it has ended, however. */
  readonly exited: Promise<void>;
  readonly running: boolean;
  /** Lines it wrote to stdout/stderr that were not protocol messages. */
  readonly output: string[];
}
