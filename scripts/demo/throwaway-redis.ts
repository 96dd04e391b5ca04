import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import Redis from 'ioredis';
import { OutputTail } from './output-tail';

/** How long a fresh redis-server may take to answer PING. */
const START_TIMEOUT_MS = 5_000;
/** How long it may take to exit after SIGTERM before it gets SIGKILL. */
const STOP_TIMEOUT_MS = 3_000;

/**
 * A `redis-server` from PATH that only this demo uses: a free loopback port, nothing saved to
 * disk, stopped by its PID at the end.
 */
export class ThrowawayRedis {
  private constructor(
    readonly url: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Start it and wait until it answers PING. Rejects with a plain reason (not on PATH, exited,
   * no answer within 5 s) after making sure nothing is left running.
   */
  static async start(): Promise<ThrowawayRedis> {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      // Its own process group: Ctrl-C reaches the demo, which stops Redis after the replicas.
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    const output = new OutputTail(5);
    child.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.append(chunk));
    const failed = new Promise<string>((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) =>
        resolve(
          error.code === 'ENOENT'
            ? 'redis-server is not on PATH'
            : `redis-server could not start: ${error.message}`,
        ),
      );
      child.once('exit', (code, signal) =>
        resolve(
          `redis-server exited (${signal ?? `code ${code}`}) on port ${port}: ${output.lines.at(-1) ?? 'no output'}`,
        ),
      );
    });
    const server = new ThrowawayRedis(`redis://127.0.0.1:${port}`, port, child);
    const answered = await Promise.race([server.#ping(), failed]);
    if (answered === true) return server;
    await server.stop();
    throw new Error(
      typeof answered === 'string'
        ? answered
        : `redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS / 1_000} s`,
    );
  }

  /** Stop it by PID: SIGTERM, then SIGKILL if it is still there after 3 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const ac = new AbortController();
    const gone = await Promise.race([
      exited.then(() => true),
      delay(STOP_TIMEOUT_MS, false, { signal: ac.signal }),
    ]);
    ac.abort();
    if (!gone) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  /** SIGKILL it now, without waiting (the demo is being forced to quit). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** `true` once it answers, `false` after START_TIMEOUT_MS. */
  async #ping(): Promise<boolean> {
    const until = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < until && this.child.exitCode === null) {
      const probe = new Redis({
        port: this.port,
        host: '127.0.0.1',
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        return true;
      } catch {
        await delay(25);
      } finally {
        probe.disconnect();
      }
    }
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
