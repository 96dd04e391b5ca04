import { spawnSync } from 'node:child_process';
import Redis, { type RedisOptions } from 'ioredis';
import { ClientPool } from './client-pool';
import { INSTALL_HINT, spawnRedis, type RedisProcess } from './redis-process';

/** A standalone redis-server this test file started, on a free loopback port. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  /** A new client; closed by `stop()`. */
  client(options?: RedisOptions): Redis;
  /** Stop the server (by PID) without closing clients. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP the server: it keeps its connections but answers nothing until `resume()`. */
  pause(): void;
  /** SIGCONT a paused server. */
  resume(): void;
  /** Start the server again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** Close every client made by `client()` and stop the server. */
  stop(): Promise<void>;
}

/** Nothing is written to disk: a restarted server starts empty. */
const EPHEMERAL = ['--save', '', '--appendonly', 'no'];

let binaryFound: boolean | undefined;

/** Whether a `redis-server` binary is on PATH. */
export function hasRedisServer(): boolean {
  binaryFound ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return binaryFound;
}

/**
 * Start `redis-server` on a free loopback port and wait until it answers PING. Without the
 * binary, fall back to the server at REDIS_URL (it must be disposable: tests write to it, and
 * `kill`/`pause`/`restart` are refused).
 */
export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  const external = process.env['REDIS_URL'];
  if (!hasRedisServer() && external) return useExternalRedis(external);
  return startLocalRedis(extraArgs);
}

/** Start `redis-server` from PATH (never REDIS_URL): for fixtures that stop or pause servers. */
export async function startLocalRedis(extraArgs: readonly string[] = []): Promise<RedisServer> {
  if (!hasRedisServer()) throw new Error(`redis-server was not found on PATH. ${INSTALL_HINT}`);
  const server = await spawnRedis({ args: [...EPHEMERAL, ...extraArgs] });
  return localServer(server);
}

function localServer(server: RedisProcess): RedisServer {
  const clients = new ClientPool();
  return {
    port: server.port,
    url: server.url,
    get pid() {
      return server.pid;
    },
    client: (options = {}) =>
      clients.add(new Redis({ port: server.port, host: '127.0.0.1', ...options })),
    kill: (signal) => server.kill(signal),
    pause: () => server.signal('SIGSTOP'),
    resume: () => server.signal('SIGCONT'),
    restart: () => server.restart(),
    stop: async () => {
      clients.disconnectAll();
      await server.kill();
    },
  };
}

function useExternalRedis(url: string): RedisServer {
  const clients = new ClientPool();
  const refusal = (what: string): Error =>
    new Error(
      `${what} needs a local redis-server binary; REDIS_URL (${url}) cannot be controlled.`,
    );
  return {
    port: Number(new URL(url).port || 6379),
    url,
    pid: undefined,
    client: (options = {}) => clients.add(new Redis(url, options)),
    kill: () => Promise.reject(refusal('kill()')),
    pause: () => {
      throw refusal('pause()');
    },
    resume: () => {
      throw refusal('resume()');
    },
    restart: () => Promise.reject(refusal('restart()')),
    stop: () => {
      clients.disconnectAll();
      return Promise.resolve();
    },
  };
}
