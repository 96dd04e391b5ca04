import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis, { type RedisOptions } from 'ioredis';

/** A redis-server process this test file started, on a free loopback port. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  /** A new client; closed by `stop()`. */
  client(options?: RedisOptions): Redis;
  /** Stop the server (by PID) without closing clients. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start the server again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** Close every client made by `client()` and stop the server. */
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'Install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis`, or set REDIS_URL to a server you own.';

let binaryChecked: boolean | undefined;

/** Whether a `redis-server` binary is on PATH. */
export function hasRedisServer(): boolean {
  binaryChecked ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return binaryChecked;
}

/**
 * `describe` for suites that need their own redis-server. Without the binary the suite is skipped
 * with a loud message, except under CI=true where it fails.
 */
export function describeWithRedis(name: string, fn: () => void): void {
  if (hasRedisServer() || process.env['REDIS_URL']) {
    describe(name, fn);
    return;
  }
  const message = `redis-server was not found on PATH, so "${name}" cannot run. ${INSTALL_HINT}`;
  if (process.env['CI'] === 'true') {
    describe(name, () => {
      it('needs redis-server', () => {
        throw new Error(message);
      });
    });
    return;
  }
  console.warn(`\n\n!!! SKIPPED: ${message}\n`);
  describe.skip(name, fn);
}

export async function freePort(): Promise<number> {
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

/**
 * Start `redis-server` on a free loopback port and wait until it answers PING. Without the
 * binary, fall back to the server at REDIS_URL (it must be disposable: tests write to it, and
 * `kill`/`restart` are refused).
 */
export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  const external = process.env['REDIS_URL'];
  if (!hasRedisServer() && external) return useExternalRedis(external);
  const port = await freePort();
  const clients: Redis[] = [];
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        ...extraArgs,
      ],
      { stdio: 'ignore' },
    );
    child = proc;
    const probe = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => undefined);
    const until = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null)
        throw new Error(`redis-server exited with ${proc.exitCode} on port ${port}`);
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch {
        if (Date.now() > until) throw new Error(`redis-server did not answer on port ${port}`);
        probe.disconnect();
        await sleep(20);
      }
    }
    probe.disconnect();
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    client(options = {}) {
      const client = new Redis({ port, host: '127.0.0.1', ...options });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    kill,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      for (const client of clients) client.disconnect();
      await kill();
    },
  };
}

function useExternalRedis(url: string): RedisServer {
  const clients: Redis[] = [];
  const parsed = new URL(url);
  const refuse = (what: string) => () =>
    Promise.reject(
      new Error(
        `${what} needs a local redis-server binary; REDIS_URL (${url}) cannot be controlled.`,
      ),
    );
  return {
    port: Number(parsed.port || 6379),
    url,
    pid: undefined,
    client(options = {}) {
      const client = new Redis(url, options);
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    kill: refuse('kill()'),
    restart: refuse('restart()'),
    stop: () => {
      for (const client of clients) client.disconnect();
      return Promise.resolve();
    },
  };
}
