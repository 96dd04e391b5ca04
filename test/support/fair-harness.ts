/**
 * Harness of the fair-lock (issue 5) integration tests: forked `fair-*.ts` workers with queued IPC
 * messages, the Redis layout of one lock, and server-clock helpers. Kept apart from
 * `engine-harness.ts` (owned by the engine tests) on purpose.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';

export { sleep };

/** What a worker sends over IPC: always an object with a `type`. */
export interface FairMessage {
  type: string;
  [field: string]: unknown;
}

const live = new Set<FairWorker>();

/**
 * A forked `test/support/workers/fair-*.ts`. Messages are queued, so a test asks for "the next
 * message of type X" without racing the child; a child that dies first makes the wait reject with
 * what it said last instead of hanging until the Jest timeout.
 */
export class FairWorker {
  readonly child: ChildProcess;
  readonly messages: FairMessage[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #consumed = new Set<FairMessage>();
  #waiters: Array<() => void> = [];
  #exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(file: string, args: string[]) {
    this.child = fork(join(__dirname, 'workers', file), args, {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(this);
    this.child.on('message', (message: FairMessage) => {
      this.messages.push(message);
      this.#notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#exitInfo = { code, signal };
        live.delete(this);
        this.#notify();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error('worker has no pid (fork failed)');
    return pid;
  }

  get alive(): boolean {
    return this.#exitInfo === undefined;
  }

  send(message: FairMessage): void {
    this.child.send(message);
  }

  /** The next not yet consumed message of `type`, waiting up to `timeoutMs`. */
  async next(type: string, timeoutMs = 10_000): Promise<FairMessage> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((m) => m.type === type && !this.#consumed.has(m));
      if (found) {
        this.#consumed.add(found);
        return found;
      }
      const failure = this.messages.find((m) => m.type === 'fatal');
      if (failure) throw new Error(`worker ${this.child.pid} failed: ${String(failure['error'])}`);
      if (this.#exitInfo) {
        throw new Error(
          `worker ${this.child.pid} exited (${JSON.stringify(this.#exitInfo)}) before sending "${type}"`,
        );
      }
      const left = until - Date.now();
      if (left <= 0) {
        throw new Error(`worker ${this.child.pid} sent no "${type}" in ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** SIGKILL this worker by PID and wait until it is reaped. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Fork `test/support/workers/<file>` (a `fair-*.ts` worker) with `args`. */
export function forkFairWorker(file: string, args: string[]): FairWorker {
  return new FairWorker(file, args);
}

/** Kill every fair worker still alive (by PID); for `afterEach`/`afterAll`. */
export async function killFairWorkers(): Promise<void> {
  await Promise.all([...live].map((worker) => worker.kill()));
}

/**
 * Poll `check` until it holds, for at most `timeoutMs`. Used to reach a state (an entry is
 * queued, a key is gone), never to assert how fast it was reached.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 5_000,
  intervalMs = 10,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** The Redis keys of lock `key` under prefix `lw` (see docs/design.md and the Lua scripts). */
export function fairKeys(key: string): {
  lock: string;
  fence: string;
  queue: string;
  deadlines: string;
  channel: string;
} {
  const lock = `lw:{${key}}`;
  return {
    lock,
    fence: `${lock}:fence`,
    queue: `${lock}:q`,
    deadlines: `${lock}:qt`,
    channel: `${lock}:rel`,
  };
}

/** The fair queue as `[token, ticket]` pairs, head first. */
export async function queueEntries(client: Redis, key: string): Promise<Array<[string, number]>> {
  const flat = await client.zrange(fairKeys(key).queue, 0, -1, 'WITHSCORES');
  const entries: Array<[string, number]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) entries.push([flat[i]!, Number(flat[i + 1])]);
  return entries;
}

/** Redis server time in ms (the clock of fences, tickets and waiter deadlines). */
export async function serverMs(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1_000 + Number(micros) / 1_000;
}

/** Percentile (nearest rank) of `values`; `NaN` when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
