import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { type RedisOptions } from 'ioredis';
import { defer } from '../cleanup';
import { ClientPool } from './client-pool';
import {
  INSTALL_HINT,
  spawnRedis,
  type RedisProcess,
  type RedisProcessOptions,
} from './redis-process';

/** A standalone redis-server this test file started, on a free loopback port. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  /**
   * The server's own working directory (a replica's RDB, a cluster node's nodes.conf), removed
   * by `stop()`; none for REDIS_URL.
   */
  readonly dir: string | undefined;
  /** Whether the process is alive (killed and stopped servers are not; REDIS_URL always is). */
  readonly running: boolean;
  /** A new client; closed by `stop()`. */
  client(options?: RedisOptions): Redis;
  /** Stop the server (by PID) without closing clients. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP the server (by PID): it keeps its connections but answers nothing until `resume()`. */
  pause(): Promise<void>;
  /** SIGCONT a paused server. */
  resume(): Promise<void>;
  /** Start the server again on the same port, empty (nothing is saved; only a replica's sync writes an RDB). */
  restart(): Promise<void>;
  /** Close every client made by `client()` and stop the server. */
  stop(): Promise<void>;
}

/**
 * Nothing is written to disk (a restarted server starts empty), and a replica's first sync
 * starts at once instead of after the default 5 s wait for more replicas.
 */
const EPHEMERAL = ['--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];

let binaryFound: boolean | undefined;

/** Whether a `redis-server` binary is on PATH. */
export function hasRedisServer(): boolean {
  binaryFound ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return binaryFound;
}

/**
 * Start `redis-server` on a free loopback port and wait until it answers. Without the
 * binary, fall back to the server at REDIS_URL (it must be disposable: tests write to it, and
 * `kill`/`pause`/`restart` are refused). Stopped after the test (or file) that started it.
 */
export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  const external = process.env['REDIS_URL'];
  if (!hasRedisServer() && external) {
    const server = useExternalRedis(external);
    defer(() => server.stop());
    return server;
  }
  return startLocalRedis({ args: extraArgs });
}

/**
 * Start `redis-server` from PATH, never REDIS_URL: for fixtures that stop or pause servers. It
 * runs in a new temporary directory: a server started where an RDB file lies (a replica's full
 * sync writes one) would load it and start with another test's data. Stopped after the test (or
 * file) that started it.
 */
export async function startLocalRedis(
  options: Pick<RedisProcessOptions, 'args' | 'pickPort'> = {},
): Promise<RedisServer> {
  if (!hasRedisServer()) throw new Error(`redis-server was not found on PATH. ${INSTALL_HINT}`);
  const dir = await mkdtemp(join(tmpdir(), 'lockwarden-redis-'));
  const removeDir = (): Promise<void> => rm(dir, { recursive: true, force: true });
  defer(removeDir);
  const spawned = await spawnRedis({
    ...options,
    args: ['--dir', dir, ...EPHEMERAL, ...(options.args ?? [])],
  });
  const server = localServer(spawned, dir, removeDir);
  defer(() => server.stop());
  return server;
}

function localServer(
  server: RedisProcess,
  dir: string,
  removeDir: () => Promise<void>,
): RedisServer {
  const clients = new ClientPool();
  return {
    port: server.port,
    url: server.url,
    dir,
    get pid() {
      return server.pid;
    },
    get running() {
      return server.running;
    },
    client: (options = {}) =>
      clients.add(new Redis({ port: server.port, host: '127.0.0.1', ...options })),
    kill: (signal) => server.kill(signal),
    pause: () => server.pause(),
    resume: () => server.resume(),
    restart: () => server.restart(),
    stop: async () => {
      clients.disconnectAll();
      await server.kill();
      await removeDir();
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
    dir: undefined,
    running: true,
    client: (options = {}) => clients.add(new Redis(url, options)),
    kill: () => Promise.reject(refusal('kill()')),
    pause: () => Promise.reject(refusal('pause()')),
    resume: () => Promise.reject(refusal('resume()')),
    restart: () => Promise.reject(refusal('restart()')),
    stop: () => {
      clients.disconnectAll();
      return Promise.resolve();
    },
  };
}
