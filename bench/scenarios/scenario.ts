/**
 * A scenario is one file: the parent side (`measure`: fork workers, collect, compute one round's
 * metrics) and the worker side (`roles`, run inside the forked processes).
 */
import type { Contender, ContenderDefinition, ScenarioId } from '../contender';
import type { CommandCounter } from '../harness/command-counter';
import type { Message } from '../harness/ipc';
import type { BenchRedis } from '../harness/redis-server';
import type { WorkerHandle } from '../harness/workers';

export interface MetricSpec {
  readonly key: string;
  /** Column header. */
  readonly label: string;
  /** Omitted for numbers that only explain others (no direction is better). */
  readonly better?: 'lower' | 'higher';
  /** Decimals to print. */
  readonly digits: number;
  /** Also report it as a ratio to the floor, per round. */
  readonly vsFloor?: boolean;
}

/** One round's numbers of one contender; `null` where there is nothing to measure. */
export type Metrics = Record<string, number | null>;

export interface RoundResult {
  metrics: Metrics;
  /** Anything worth keeping in latest.json (raw samples, checks). */
  details?: Record<string, unknown>;
}

export interface MeasureContext {
  readonly definition: ContenderDefinition<unknown>;
  readonly redis: BenchRedis;
  readonly quick: boolean;
  /** Fork a worker running this scenario's `role` for this contender. */
  start(role: string, params: Record<string, unknown>): WorkerHandle;
}

export interface WorkerContext {
  readonly definition: ContenderDefinition<unknown>;
  readonly params: Record<string, unknown>;
  readonly counter: CommandCounter;
  /** The contender, with its connections counted. */
  contender(): Promise<Contender>;
  /** A connection of the contender's client kind (counted), for scenarios that build their own. */
  connect(): Promise<unknown>;
  disconnect(client: unknown): Promise<void>;
  send(message: Message): void;
  receive(type: string): Promise<Message>;
}

export type Role = (worker: WorkerContext) => Promise<Record<string, unknown>>;

export interface Scenario {
  readonly id: ScenarioId;
  /** The row of issue 9's table ('1'..'5'), or a letter for the lockwarden-only ones. */
  readonly number: string;
  readonly title: string;
  readonly metrics: readonly MetricSpec[];
  rounds(quick: boolean): number;
  measure(context: MeasureContext): Promise<RoundResult>;
  readonly roles: Readonly<Record<string, Role>>;
  /** Node/V8 flags for this scenario's workers, beyond the harness's own. */
  readonly workerFlags?: readonly string[];
}
