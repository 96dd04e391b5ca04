import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { type RedisOptions } from 'ioredis';
import { defer } from '../cleanup';
import { waitUntil } from '../wait-until';
import { ClientPool } from './client-pool';
import { infoFields } from './info-fields';
import { spawnRedis, type RedisProcess } from './redis-process';
import { startLocalRedis, type RedisServer } from './redis-server';

export interface RedisSentinelOptions {
  /**
   * The master group name the sentinels monitor.
   * @default 'mymaster'
   */
  masterName?: string;
  /**
   * `down-after-milliseconds`: how long the primary may be silent before a sentinel calls it
   * down. Small, so a test that kills the primary sees a failover within seconds.
   * @default 1000
   */
  downAfter?: number;
  /**
   * `failover-timeout` (also the pause before the same primary may be failed over again).
   * @default 3000
   */
  failoverTimeout?: number;
}

/** A primary, its replica and three sentinels this test file started on loopback ports. */
export interface RedisSentinel {
  readonly masterName: string;
  /** The two data servers: the initial primary first, then its replica. */
  readonly servers: readonly [RedisServer, RedisServer];
  readonly sentinels: readonly RedisProcess[];
  /** The sentinels' directories (their config files), removed by `stop()`. */
  readonly dirs: readonly string[];
  /** The sentinels' addresses, for `new Redis({ sentinels, name })`. */
  readonly sentinelAddresses: ReadonlyArray<{ host: string; port: number }>;
  /** The data server every sentinel names as the primary right now. */
  primary(): Promise<RedisServer>;
  /**
   * `SENTINEL FAILOVER`, then wait until every sentinel names the other server and it answers as
   * a primary. The sentinels turn the old primary into its replica some seconds later (they
   * wait 8 s before reconfiguring a server that still claims to be a primary): `settled()`
   * waits for that, before another failover.
   */
  failover(): Promise<{ from: RedisServer; to: RedisServer }>;
  /**
   * Wait until every sentinel names the same primary and sees its replica and the two other
   * sentinels, and the replica is in sync; the primary.
   */
  settled(): Promise<RedisServer>;
  /**
   * A new ioredis client that finds the primary through the sentinels (with `failoverDetector`,
   * so it moves on a switch at once); closed by `stop()`.
   */
  client(options?: RedisOptions): Redis;
  stop(): Promise<void>;
}

const SENTINELS = 3;

let sentinelBinary: boolean | undefined;

/** `redis-sentinel` when it is installed, else `redis-server --sentinel` (the same program). */
function sentinelCommand(): { binary: string; args: string[] } {
  sentinelBinary ??= spawnSync('redis-sentinel', ['--version'], { stdio: 'ignore' }).status === 0;
  return sentinelBinary
    ? { binary: 'redis-sentinel', args: [] }
    : { binary: 'redis-server', args: ['--sentinel'] };
}

/**
 * Start a primary and a replica, wait until the replica is in sync, then start three sentinels
 * (each with a writable config file in its own temp directory: sentinels rewrite it) and wait
 * until each sees the replica and the two other sentinels. Stopped after the test (or file) that
 * started it.
 */
export async function startRedisSentinel(
  options: RedisSentinelOptions = {},
): Promise<RedisSentinel> {
  const masterName = options.masterName ?? 'mymaster';
  const pool = new ClientPool();
  const sentinels: RedisProcess[] = [];
  const dirs: string[] = [];
  const servers: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    pool.disconnectAll();
    await Promise.all(sentinels.map((sentinel) => sentinel.kill()));
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  };

  const first = await startLocalRedis();
  servers.push(first);
  const second = await startLocalRedis({ args: ['--replicaof', '127.0.0.1', String(first.port)] });
  servers.push(second);
  // Deferred after the servers, so it runs before their own stops: sentinels go first, never
  // outliving the servers they watch (they would reconfigure whatever takes over those ports).
  defer(stop);
  const data: [RedisServer, RedisServer] = [first, second];
  const ask = (port: number, ...command: [string, ...string[]]): Promise<unknown> =>
    pool.admin(port).call(...command);
  // A failover kills the old primary's connections (ours too): an unanswered check is "not yet".
  const notYet = (): false => false;
  const replicating = async (replica: RedisServer, primary: RedisServer): Promise<boolean> => {
    const reply = await ask(replica.port, 'INFO', 'replication').catch(notYet);
    if (reply === false) return false;
    const info = infoFields(reply as string);
    return (
      info.get('role') === 'slave' &&
      info.get('master_port') === String(primary.port) &&
      info.get('master_link_status') === 'up'
    );
  };
  // Sentinels learn of replicas from the primary's INFO: the replica must be attached first.
  await waitUntil('the replica to sync', () => replicating(second, first), 10_000, 20);

  const command = sentinelCommand();
  const started = await Promise.allSettled(
    Array.from({ length: SENTINELS }, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'lockwarden-sentinel-'));
      dirs.push(dir);
      const config = join(dir, 'sentinel.conf');
      await writeFile(
        config,
        [
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${first.port} 2`,
          `sentinel down-after-milliseconds ${masterName} ${options.downAfter ?? 1_000}`,
          `sentinel failover-timeout ${masterName} ${options.failoverTimeout ?? 3_000}`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      const sentinel = await spawnRedis({ ...command, config });
      sentinels.push(sentinel);
      return sentinel;
    }),
  );
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;

  const sentinelView = async (port: number): Promise<Map<string, string>> => {
    const flat = (await ask(port, 'SENTINEL', 'MASTER', masterName)) as string[];
    const view = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) view.set(flat[i]!, flat[i + 1]!);
    return view;
  };
  const everySentinel = async (check: (view: Map<string, string>) => boolean): Promise<boolean> =>
    (await Promise.all(sentinels.map((s) => sentinelView(s.port)))).every(check);
  const namedPrimary = async (): Promise<RedisServer | false> => {
    const ports = await Promise.all(
      sentinels.map(async (s) => {
        const [, port] = (await ask(s.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as [
          string,
          string,
        ];
        return Number(port);
      }),
    );
    const agreed = ports.every((port) => port === ports[0]);
    return (agreed && data.find((server) => server.port === ports[0])) || false;
  };
  const isPrimary = async (server: RedisServer): Promise<boolean> => {
    const reply = await ask(server.port, 'ROLE').catch(notYet);
    return Array.isArray(reply) && reply[0] === 'master';
  };
  const settled = (): Promise<RedisServer> =>
    waitUntil(
      'the sentinels to agree on a primary, see its replica in sync and each other',
      async () => {
        const primary = await namedPrimary();
        if (!primary) return false;
        const replica = primary === first ? second : first;
        const watched = await everySentinel(
          (view) =>
            view.get('flags') === 'master' &&
            view.get('num-slaves') === '1' &&
            view.get('num-other-sentinels') === String(SENTINELS - 1),
        );
        return watched && (await replicating(replica, primary)) && primary;
      },
      20_000,
      50,
    );
  if ((await settled()) !== first) throw new Error('the sentinels named the replica as primary');

  const sentinelAddresses = sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
  return {
    masterName,
    servers: data,
    sentinels,
    dirs,
    sentinelAddresses,
    primary: () => waitUntil('the sentinels to agree on the primary', namedPrimary, 10_000, 50),
    async failover() {
      const from = await waitUntil('the sentinels to agree on the primary', namedPrimary);
      const to = from === first ? second : first;
      const reply = await ask(sentinels[0]!.port, 'SENTINEL', 'FAILOVER', masterName);
      if (reply !== 'OK') throw new Error(`SENTINEL FAILOVER answered ${String(reply)}`);
      await waitUntil(
        `every sentinel to name ${to.port} as the primary`,
        async () => (await namedPrimary()) === to && (await isPrimary(to)),
        30_000,
        50,
      );
      return { from, to };
    },
    settled,
    client: (clientOptions = {}) =>
      pool.add(
        new Redis({
          sentinels: sentinelAddresses,
          name: masterName,
          // Reconnect on the sentinels' +switch-master, not only once the old primary drops us.
          failoverDetector: true,
          ...clientOptions,
        }),
      ),
    stop,
  };
}
