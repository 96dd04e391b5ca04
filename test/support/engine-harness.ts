import { fork, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AcquireResult,
  LockInfo,
  LockStore,
  RenewRequest,
  StoreAcquireOptions,
} from '../../src';

export { sleep };

/** A message a worker sends over IPC: always an object with a `type`. */
export interface WorkerMessage {
  type: string;
  [field: string]: unknown;
}

const live = new Set<WorkerProcess>();

/**
 * A forked `.ts` worker from `test/support/workers/`. Messages are queued so a test can ask for
 * "the next message of type X" without racing the child; if the child exits first, the wait
 * rejects with what it said last instead of hanging until the Jest timeout.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly messages: WorkerMessage[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #consumed = new Set<WorkerMessage>();
  #waiters: Array<() => void> = [];
  #exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(file: string, args: string[]) {
    this.child = fork(join(__dirname, 'workers', file), args, {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(this);
    this.child.on('message', (message: WorkerMessage) => {
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

  send(message: WorkerMessage): void {
    this.child.send(message);
  }

  /** The next not yet consumed message of `type`, waiting up to `timeoutMs`. */
  async next(type: string, timeoutMs = 10_000): Promise<WorkerMessage> {
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
      if (left <= 0)
        throw new Error(`worker ${this.child.pid} sent no "${type}" in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Send a signal by PID (never by name). */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) process.kill(this.pid, signal);
  }

  /** SIGKILL the worker (also ends a SIGSTOPped one) and wait for it to be reaped. */
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

/** Fork `test/support/workers/<file>` with `args`. */
export function forkWorker(file: string, args: string[]): WorkerProcess {
  return new WorkerProcess(file, args);
}

/** Kill every worker still alive; for `afterEach`, so a failed test leaves no process behind. */
export async function killWorkers(): Promise<void> {
  await Promise.all([...live].map((worker) => worker.kill()));
}

/**
 * Poll `check` until it holds, for at most `timeoutMs`. Used to reach a state (a key expired, a
 * count reached), never to assert how fast it was reached.
 */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  intervalMs = 10,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** The first `event` emitted by `emitter`, or a rejection after `timeoutMs`. */
export function nextEvent<T = unknown>(
  emitter: EventEmitter,
  event: string,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`no "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: T): void => {
      clearTimeout(timer);
      resolve(payload);
    };
    emitter.once(event, onEvent);
  });
}

/** A logger that keeps what the engine would have printed, so tests stay quiet. */
export function recordingLogger(): {
  warn(message: string): void;
  error(message: string): void;
  lines: string[];
} {
  const lines: string[] = [];
  return {
    lines,
    warn: (message: string) => void lines.push(message),
    error: (message: string) => void lines.push(message),
  };
}

/** Wraps a store and counts what the engine asks of it, to check batching and hand-off costs. */
export class CountingStore implements LockStore {
  acquires = 0;
  renews = 0;
  /** Sizes of the batches the engine passed to `renewMany`, in call order. */
  readonly batches: number[] = [];

  constructor(readonly inner: LockStore) {}

  acquire(
    key: string,
    owner: string,
    ttl: number,
    options?: StoreAcquireOptions,
  ): Promise<AcquireResult> {
    this.acquires += 1;
    return this.inner.acquire(key, owner, ttl, options);
  }

  renew(key: string, owner: string, ttl: number): Promise<boolean> {
    this.renews += 1;
    return this.inner.renew(key, owner, ttl);
  }

  renewMany(requests: readonly RenewRequest[]): Promise<Array<boolean | Error>> {
    this.batches.push(requests.length);
    const inner = this.inner;
    if (inner.renewMany) return inner.renewMany(requests);
    return Promise.all(requests.map((r) => inner.renew(r.key, r.owner, r.ttl)));
  }

  release(key: string, owner: string): Promise<boolean> {
    return this.inner.release(key, owner);
  }

  inspect(key: string): Promise<LockInfo | null> {
    return this.inner.inspect(key);
  }

  forceRelease(key: string): Promise<boolean> {
    return this.inner.forceRelease(key);
  }

  onRelease(key: string, listener: (next: string | undefined) => void): Promise<() => void> {
    if (!this.inner.onRelease) throw new Error('the wrapped store has no onRelease');
    return this.inner.onRelease(key, listener);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
