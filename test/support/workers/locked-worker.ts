/**
 * @Locked across processes: a decorated method, keyed by a template, records enter/exit (with
 * its fence) in a Redis list and how many sections were inside at once.
 * Args: <redis url> <worker id> <job> <mode: serial | parallel> <sections> <namespace>
 *   <store key: the Redis key the lock of <job> must be stored under>
 * - serial: every worker uses the same job. Inside, a worker stays until another worker has
 *   contended for the lock since it entered (or every other worker is done), so the sections
 *   are known to have been contended, not merely lucky.
 * - parallel: each worker has its own job. Inside, a worker stays until every worker has
 *   entered; nobody leaves before that, so all are inside at once, which a serialising lock
 *   would never allow (the wait would time out and the worker fail).
 */
import Redis from 'ioredis';
import { configureLocks, LockEngine, Locked, RedisLockStore, currentLock } from '../../../src';
import { waitUntil } from '../wait-until';
import { argument, receive, run, send } from './worker-ipc';

const STAY_LIMIT_MS = 15_000;

run(async () => {
  const url = argument(0, 'redis url');
  const id = argument(1, 'worker id');
  const job = argument(2, 'job');
  const mode = argument(3, 'mode');
  const sections = Number(argument(4, 'sections'));
  const ns = argument(5, 'namespace');
  const storeKey = argument(6, 'store key');
  const workers = 2;

  const client = new Redis(url);
  const data = new Redis(url);
  const store = new RedisLockStore(client);
  const engine = new LockEngine({ store, prefix: 'lw' });
  configureLocks(engine);
  engine.on('contended', () => void data.hincrby(`${ns}:contended`, id, 1));
  await Promise.all([client.ping(), data.ping()]);

  const othersContended = async (): Promise<number> => {
    const counts = await data.hgetall(`${ns}:contended`);
    return Object.entries(counts)
      .filter(([worker]) => worker !== id)
      .reduce((sum, [, count]) => sum + Number(count), 0);
  };

  const stay = (until: () => Promise<boolean>): Promise<unknown> =>
    waitUntil(`worker ${id} to be allowed out (${mode})`, until, STAY_LIMIT_MS, 5);

  class Jobs {
    @Locked({ key: 'job:{0}', ttl: 5_000, waitTimeout: 30_000 })
    async run(_job: string, storeKey: string): Promise<void> {
      const lock = currentLock()!;
      await data.rpush(`${ns}:events`, `enter ${id} ${lock.fence}`);
      const inside = await data.incr(`${ns}:inside`);
      // Never decremented, so a worker that leaves cannot hide that it was here.
      await data.incr(`${ns}:entered`);
      await data.rpush(`${ns}:inside-seen`, String(inside));
      // Raw state: the lock is in Redis under the escaped key while we are inside.
      await data.rpush(`${ns}:stored`, String(await data.exists(storeKey)));
      if (mode === 'serial') {
        const before = await othersContended();
        await stay(
          async () =>
            (await othersContended()) > before ||
            Number(await data.get(`${ns}:done`)) >= workers - 1,
        );
      } else {
        await stay(async () => Number(await data.get(`${ns}:entered`)) >= workers);
      }
      await data.decr(`${ns}:inside`);
      await data.rpush(`${ns}:events`, `exit ${id} ${lock.fence}`);
    }
  }

  send({ type: 'ready' });
  await receive('go');
  const jobs = new Jobs();
  for (let i = 0; i < sections; i += 1) await jobs.run(job, storeKey);
  await data.incr(`${ns}:done`);
  await engine.close();
  await store.close();
  client.disconnect();
  data.disconnect();
  send({ type: 'done' });
});
