/**
 * The bench's own redis-server: a free loopback port, nothing persisted, stopped by PID. It never
 * falls back to a server it did not start (it flushes the database between measurements).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { killOnExit } from './cleanup';

export interface BenchRedis {
  readonly url: string;
  readonly pid: number;
  readonly version: string;
  /** The harness's own connection (not counted: no worker uses it). */
  readonly admin: Redis;
  stop(): Promise<void>;
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (typeof address !== 'object' || !address) throw new Error('no free loopback port');
  return address.port;
}

export async function startBenchRedis(): Promise<BenchRedis> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'npm run bench needs redis-server on PATH (apt-get install -y redis-server, or brew install redis). ' +
        'It starts its own server on a free loopback port and never uses an existing one.',
    );
  }
  const port = await freeLoopbackPort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server did not start');
  const forget = killOnExit(pid);
  const exited = once(child, 'exit');
  const stopServer = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    forget();
  };

  const admin = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    retryStrategy: () => null,
  });
  admin.on('error', () => undefined);
  try {
    for (let attempt = 0; ; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (port ${port} taken?)`);
      try {
        await admin.connect();
        break;
      } catch (error) {
        if (attempt > 200) throw error;
        admin.disconnect();
        await sleep(25);
      }
    }
  } catch (error) {
    await stopServer();
    throw error;
  }
  const info = await admin.info('server');
  return {
    url: `redis://127.0.0.1:${port}`,
    pid,
    version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    admin,
    async stop() {
      admin.disconnect();
      await stopServer();
    },
  };
}
