import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { waitUntil } from '../wait-until';
import { dropClient } from './drop-client';
import { freePort } from './free-port';

export const INSTALL_HINT =
  'Install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis`, or set REDIS_URL to a server you own.';

/** How to start one Redis process (a server, a cluster node or a sentinel). */
export interface RedisProcessOptions {
  /** @default 'redis-server' */
  binary?: string;
  /** Arguments that must come first (a sentinel's config file). */
  config?: string;
  /** More arguments after the port and the loopback bind. */
  args?: readonly string[];
  /**
   * Picks the port. A server that cannot bind it (another process took it meanwhile) is started
   * again on a newly picked port.
   * @default freePort
   */
  pickPort?: () => Promise<number>;
}

/** A Redis process this test file started, controlled by PID only. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** SIGSTOP the process and wait until it is stopped: it keeps its sockets, answers nothing. */
  pause(): Promise<void>;
  /** SIGCONT a paused process and wait until it runs again. */
  resume(): Promise<void>;
  /** Send `signal` (default SIGKILL) and wait until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same port with the same arguments. */
  restart(): Promise<void>;
}

const START_ATTEMPTS = 3;
const RESTART_ATTEMPTS = 10;
const RESTART_RETRY_MS = 250;
const READY_TIMEOUT_MS = 10_000;
const OUTPUT_TAIL_CHARS = 2_000;

/** Everything still running when the Jest worker exits is killed, even after a crash. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Start a Redis process on a free loopback port and wait until it answers, as itself (INFO
 * names its PID).
 */
export async function spawnRedis(options: RedisProcessOptions = {}): Promise<RedisProcess> {
  const pickPort = options.pickPort ?? freePort;
  for (let attempt = 1; ; attempt++) {
    const port = await pickPort();
    const instance = new Instance(port, options);
    try {
      await instance.launch();
      return instance;
    } catch (error) {
      if (!(error instanceof ExitedEarly) || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

/**
 * Whether the kernel has `pid` stopped (state T in /proc/<pid>/stat). Where there is no /proc,
 * the signal is trusted to have landed.
 */
async function isStopped(pid: number): Promise<boolean | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The state follows the command name, which is in parentheses and may hold spaces.
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}

/** The process exited before answering: most likely its port was taken in the meantime. */
class ExitedEarly extends Error {}

class Instance implements RedisProcess {
  readonly url: string;
  #child: ChildProcess | undefined;
  #output = '';

  constructor(
    readonly port: number,
    private readonly options: RedisProcessOptions,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async pause(): Promise<void> {
    await this.#signalUntil('SIGSTOP', true);
  }

  async resume(): Promise<void> {
    await this.#signalUntil('SIGCONT', false);
  }

  /** Send `signal`, then wait until the kernel reports the process (not) stopped. */
  async #signalUntil(signal: NodeJS.Signals, stopped: boolean): Promise<void> {
    if (!this.running) throw new Error(`redis on port ${this.port} is not running`);
    const pid = this.#child!.pid!;
    this.#child!.kill(signal);
    await waitUntil(
      `redis on port ${this.port} (pid ${pid}) to be ${stopped ? 'stopped' : 'running'}`,
      async () => {
        const state = await isStopped(pid);
        return state === undefined || state === stopped;
      },
      5_000,
      2,
    );
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    // The port must stay the same. Fixtures pick ports no outgoing connection gets and no other
    // worker of this run picks (free-port.ts); another process on the machine may still hold it
    // for a moment, so a lost bind is tried again for a while before it fails the test.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.launch();
        return;
      } catch (error) {
        if (!(error instanceof ExitedEarly) || attempt >= RESTART_ATTEMPTS) throw error;
        await sleep(RESTART_RETRY_MS);
      }
    }
  }

  async launch(): Promise<void> {
    const binary = this.options.binary ?? 'redis-server';
    const args = [
      ...(this.options.config ? [this.options.config] : []),
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      ...(this.options.args ?? []),
    ];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#output = '';
    running.add(child);
    // Always drained: a full pipe would block the server's logging, and with it the server.
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) =>
        reject(new Error(`could not start ${binary}: ${error.message}. ${INSTALL_HINT}`)),
      );
      child.once('exit', (code, signal) => {
        running.delete(child);
        reject(
          new ExitedEarly(
            `${binary} on port ${this.port} exited (${signal ?? code}) before answering:\n${this.#output}`,
          ),
        );
      });
    });
    failed.catch(() => undefined);
    await Promise.race([this.#answering(), failed]);
  }

  async #answering(): Promise<void> {
    const probe = new Redis({
      port: this.port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => undefined);
    const until = Date.now() + READY_TIMEOUT_MS;
    try {
      for (;;) {
        try {
          await probe.connect();
          // Another test run's server may hold the port while ours fails to bind it.
          const pid = /process_id:(\d+)/.exec(await probe.info('server'))?.[1];
          if (pid === String(this.pid)) return;
          throw new Error(`port ${this.port} is answered by process ${pid}, not ${this.pid}`);
        } catch {
          if (!this.running) throw new ExitedEarly(`exited on port ${this.port}:\n${this.#output}`);
          if (Date.now() > until) {
            throw new Error(`redis on port ${this.port} did not answer:\n${this.#output}`);
          }
          dropClient(probe);
          await sleep(20);
        }
      }
    } finally {
      dropClient(probe);
    }
  }
}
