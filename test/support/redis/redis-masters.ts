import type { Redis, RedisOptions } from 'ioredis';
import { defer } from '../cleanup';
import { startLocalRedis, type RedisServer } from './redis-server';

/** Independent standalone servers (no replication between them), as a quorum store uses. */
export interface RedisMasters {
  readonly servers: readonly RedisServer[];
  readonly urls: readonly string[];
  /** A new client for every master, in order; disconnected by `stop()`. */
  clients(options?: RedisOptions): Redis[];
  /** SIGSTOP master `index`: its connections stay open, nothing is answered until `resume`. */
  pause(index: number): Promise<void>;
  resume(index: number): Promise<void>;
  /** SIGKILL master `index` and wait until it is gone. */
  kill(index: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start `count` redis-servers at once, each on its own free loopback port. Stopped after the test
 * (or file) that started them.
 */
export async function startRedisMasters(count: number): Promise<RedisMasters> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startLocalRedis()));
  // Those that did start are stopped by the clean-up stack all the same.
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  const servers = started.map((result) => (result as PromiseFulfilledResult<RedisServer>).value);
  const at = (index: number): RedisServer => {
    const server = servers[index];
    if (!server) throw new RangeError(`there is no master ${index} (0..${count - 1})`);
    return server;
  };
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  defer(stop);
  return {
    servers,
    urls: servers.map((server) => server.url),
    clients: (options) => servers.map((server) => server.client(options)),
    pause: (index) => at(index).pause(),
    resume: (index) => at(index).resume(),
    kill: (index) => at(index).kill(),
    stop,
  };
}
