/** The parent's side of a forked worker process. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ScenarioId } from '../contender';
import { killOnExit } from './cleanup';
import type { CompiledTree } from './compile';
import { Inbox, type Message } from './ipc';

export interface WorkerJob {
  scenario: ScenarioId;
  role: string;
  contender: string;
  url: string;
  params: Record<string, unknown>;
}

const SOURCE_ENTRY = join(__dirname, 'worker.ts');
const ROOT = join(__dirname, '..', '..');
// --expose-gc for the memory scenario.
let entry = { path: SOURCE_ENTRY, execArgv: ['-r', '@swc-node/register', '--expose-gc'] };

/** Fork workers from a compiled tree (plain node) instead of through swc-node. */
export function forkCompiledWorkers(tree: CompiledTree): void {
  entry = { path: tree.pathOf(SOURCE_ENTRY), execArgv: ['--expose-gc'] };
}
/** A worker that says nothing for this long is stuck; the measurement fails instead of hanging. */
const SILENCE_MS = 120_000;

export class WorkerHandle {
  readonly #child: ChildProcess;
  readonly #inbox: Inbox;
  readonly #exited: Promise<unknown>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#inbox = new Inbox(child);
    const forget = killOnExit(child.pid!);
    this.#exited = once(child, 'exit').then(([code, signal]) => {
      forget();
      this.#inbox.close(
        new Error(`worker ${child.pid} exited (${String(signal ?? code)}) before answering`),
      );
    });
  }

  static start(job: WorkerJob, flags: readonly string[] = []): WorkerHandle {
    const child = fork(entry.path, [], {
      cwd: ROOT,
      execArgv: [...entry.execArgv, ...flags],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker = new WorkerHandle(child);
    worker.send({ type: 'job', job });
    return worker;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  send(message: Message): void {
    if (this.#child.connected) this.#child.send(message);
  }

  async receive(type: string, timeoutMs = SILENCE_MS): Promise<Message> {
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`worker ${this.pid} sent no "${type}" within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#inbox.receive(type), silence]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The worker's final answer; it exits after sending it. */
  async result(): Promise<Record<string, unknown>> {
    const message = await this.receive('result');
    await this.#exited;
    return message['result'] as Record<string, unknown>;
  }

  /** Stop the worker by PID and wait until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
    await this.#exited;
  }

  get exited(): Promise<unknown> {
    return this.#exited;
  }
}
