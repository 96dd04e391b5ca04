// The README's quick start in plain TypeScript. It runs as written in a CommonJS or an ESM
// project (no top-level await; `import { Redis }`, which NodeNext accepts) and exits by itself.
// Run: node -r @swc-node/register examples/quick-start.ts (Redis on REDIS_URL or 127.0.0.1:6379)
import { Redis } from 'ioredis';
import { configureLocks, currentLock, LockEngine, Locked, RedisLockStore } from 'lockwarden';

class Orders {
  // One call at a time per order id, across every process that shares this Redis.
  @Locked({ key: (id: string) => `orders:${id}`, ttl: 10_000 })
  async ship(id: string): Promise<string> {
    const lock = currentLock(); // the held lock: lock.signal aborts if it is ever lost
    return `shipped ${id} holding ${lock?.key} with fence ${lock?.fence}`;
  }
}

async function main(): Promise<void> {
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const store = new RedisLockStore(redis);
  const engine = new LockEngine({ store });
  configureLocks(engine); // the engine @Locked methods use
  try {
    console.log(await new Orders().ship('42'));

    // Without a decorator: the same lock around any function.
    const fence = await engine.withLock('orders:42', async (lock) => lock.fence, { ttl: 10_000 });
    console.log(
      `withLock ran with fence ${fence}; locked now: ${await engine.isLocked('orders:42')}`,
    );
  } finally {
    // Whoever opens something closes it: the engine, then the store, then the connection.
    await engine.close();
    await store.close();
    await redis.quit();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
