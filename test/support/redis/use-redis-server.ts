import type { Redis, RedisOptions } from 'ioredis';
import { defer } from '../cleanup';
import { startLocalRedis, startRedis, type RedisServer } from './redis-server';

export interface RedisServerUse {
  /**
   * A fresh server for every test (for tests that kill or restart it), instead of one per file.
   * @default false
   */
  perTest?: boolean;
  /**
   * FLUSHALL after every test, once everything the test opened is closed.
   * @default false
   */
  flushAfterEach?: boolean;
  /** Extra `redis-server` arguments. */
  args?: string[];
  /**
   * How to pick the server's port (e.g. `freeClusterPort`, for a cluster bus beside it); the
   * server is then always a local one, never REDIS_URL.
   * @default freePort
   */
  pickPort?: () => Promise<number>;
}

/** The server of the current file (or test), ready inside hooks that run after it and in tests. */
export interface RedisHandle {
  readonly server: RedisServer;
  readonly url: string;
  readonly port: number;
  /** One shared connection for raw checks of Redis state (`pttl`, `hget`, ...). */
  readonly raw: Redis;
  /** A new connection, closed with the server. */
  client(options?: RedisOptions): Redis;
}

/**
 * Start a redis-server for this file (in `beforeAll`) or for each test, and stop it after
 * everything made while it ran is closed (see `cleanup.ts`). Call it inside `describeWithRedis`.
 */
export function useRedisServer(use: RedisServerUse = {}): RedisHandle {
  let server: RedisServer | undefined;
  let raw: Redis | undefined;

  const start = async (): Promise<void> => {
    server =
      use.perTest || use.pickPort
        ? await startLocalRedis({ args: use.args, pickPort: use.pickPort })
        : await startRedis(use.args);
    raw = undefined;
  };
  if (use.perTest) beforeEach(start, 30_000);
  else beforeAll(start, 30_000);
  if (use.flushAfterEach) {
    beforeEach(() => {
      defer(() => handle.raw.flushall());
    });
  }

  const current = (): RedisServer => {
    if (!server) throw new Error('useRedisServer(): the server is only there in hooks and tests');
    return server;
  };
  const handle: RedisHandle = {
    get server() {
      return current();
    },
    get url() {
      return current().url;
    },
    get port() {
      return current().port;
    },
    get raw() {
      raw ??= current().client();
      return raw;
    },
    client: (options) => current().client(options),
  };
  return handle;
}
