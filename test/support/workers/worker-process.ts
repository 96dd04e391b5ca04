import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { defer } from '../cleanup';

/** A message a worker sends over IPC: always an object with a `type`. */
export interface WorkerMessage {
  type: string;
  [field: string]: unknown;
}

export interface WorkerOptions {
  /**
   * Collect the worker's stdout and stderr in `output`, each line prefixed with this label,
   * instead of passing them through to Jest's.
   */
  captureOutputAs?: string;
}

/**
 * A forked `.ts` worker from `test/support/workers/`. Messages are queued so a test can ask for
 * "the next message of type X" without racing the child; if the child exits first, the wait
 * rejects with what it said last instead of hanging until the Jest timeout.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly messages: WorkerMessage[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the worker printed, when forked with `captureOutputAs`. */
  output = '';
  #consumed = new Set<WorkerMessage>();
  #waiters: Array<() => void> = [];
  #exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(file: string, args: string[], options: WorkerOptions = {}) {
    const label = options.captureOutputAs;
    this.child = fork(join(__dirname, file), args, {
      // @swc-node/register reads the repository's tsconfig.json from the working directory.
      cwd: join(__dirname, '../../..'),
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', label ? 'pipe' : 'inherit', label ? 'pipe' : 'inherit', 'ipc'],
    });
    const capture = (chunk: Buffer): void => void (this.output += `[${label}] ${chunk.toString()}`);
    this.child.stdout?.on('data', capture);
    this.child.stderr?.on('data', capture);
    this.child.on('message', (message: WorkerMessage) => {
      this.messages.push(message);
      this.#notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#exitInfo = { code, signal };
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
          `worker ${this.child.pid} exited (${JSON.stringify(this.#exitInfo)}) before sending "${type}"${this.output ? `:\n${this.output}` : ''}`,
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

/**
 * Fork `test/support/workers/<file>` with `args`. It is SIGKILLed after the test that forked it
 * (after the file, when forked in `beforeAll`) if it is still alive, so a failed test leaves no
 * process behind.
 */
export function forkWorker(
  file: string,
  args: string[],
  options: WorkerOptions = {},
): WorkerProcess {
  const worker = new WorkerProcess(file, args, options);
  defer(() => worker.kill());
  return worker;
}
