// The README's quick start. Run: npx tsx examples/quick-start.ts (needs Redis on REDIS_URL or localhost:6379).
import Redis from 'ioredis';
import { LockEngine, RedisLockStore } from 'lockwarden';

async function main(): Promise<void> {
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const store = new RedisLockStore(redis);
  const engine = new LockEngine({ store, prefix: 'lw' });

  const total = await engine.withLock(
    'orders:42',
    async (lock) => {
      console.log(`holding orders:42 with fence ${lock.fence}`);
      return 42; // lock.signal aborts if the lock is ever lost
    },
    { ttl: 10_000 },
  );

  console.log(`done: ${total}, still locked: ${await engine.isLocked('orders:42')}`);
  // Whoever opens something closes it: the engine, then the store, then the connection.
  await engine.close();
  await store.close();
  await redis.quit();
}

void main();
