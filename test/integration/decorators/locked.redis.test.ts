import Redis from 'ioredis';
import { currentLock, Locked, LockBusyError, LockStoreError, type LockEngine } from '../../../src';
import { defer } from '../../support/cleanup';
import { recordingLogger } from '../../support/recording-logger';
import { describeWithRedis } from '../../support/redis/describe-with-redis';
import { freePort } from '../../support/redis/free-port';
import { useRedisServer } from '../../support/redis/use-redis-server';
import { useEngines } from '../../support/use-engines';

describeWithRedis('@Locked on RedisLockStore (real redis-server)', () => {
  const redis = useRedisServer();
  const engines = useEngines(redis);
  let other: LockEngine;

  beforeAll(() => {
    engines.create({ register: 'default' });
    // A second engine on its own connection: another owner, as another replica would be.
    other = engines.create();
  });

  class Invoices {
    @Locked({ key: 'invoice:{0.id}', ttl: 5_000, metadata: 'api-1' })
    async send(invoice: { id: string }): Promise<[number, string | null, number | undefined]> {
      const storeKey = `lw:{invoice:${invoice.id.replace(':', '%3A')}}`;
      return [
        await redis.raw.pttl(storeKey),
        await redis.raw.hget(storeKey, 'm'),
        currentLock()?.fence,
      ];
    }

    @Locked({ key: 'invoice:{0}', onBusy: 'skip' })
    async remind(id: string): Promise<string | undefined> {
      return id;
    }

    @Locked({ key: 'invoice:{0}', onBusy: 'throw' })
    async cancel(id: string): Promise<string> {
      return id;
    }

    @Locked({ key: 'invoice:{0}' })
    async close(id: string): Promise<string> {
      // Same key, same engine, same call chain: reentrant, no deadlock.
      return (await this.cancel(id)) + (await this.remind(id))!;
    }
  }

  it('stores the lock under the escaped key with ttl and metadata, and deletes it after', async () => {
    const [pttl, metadata, fence] = await new Invoices().send({ id: 'a:b' });
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
    expect(metadata).toBe('api-1');
    expect(fence).toEqual(expect.any(Number));
    expect(await redis.raw.exists('lw:{invoice:a%3Ab}')).toBe(0);
  });

  it('skips or throws while another owner holds the key, and runs once it is free', async () => {
    const held = await other.acquire('invoice:7');
    expect(await new Invoices().remind('7')).toBeUndefined();
    await expect(new Invoices().cancel('7')).rejects.toThrow(
      new LockBusyError('Lock "invoice:7" is busy (held by another owner).'),
    );
    await held.release();
    expect(await new Invoices().remind('7')).toBe('7');
  });

  it('is reentrant for the same key within one call chain', async () => {
    expect(await new Invoices().close('9')).toBe('99');
    expect(await redis.raw.exists('lw:{invoice:9}')).toBe(0);
  });

  it("fails closed when Redis is unreachable, or runs unlocked with onStoreError: 'run'", async () => {
    const down = new Redis({
      port: await freePort(),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    defer(() => down.disconnect());
    const logger = recordingLogger();
    engines.create({ connection: down, logger, register: 'down' });
    const ran: string[] = [];
    class Reports {
      @Locked({ engine: 'down' })
      async strict(): Promise<void> {
        ran.push('strict');
      }

      @Locked({ engine: 'down', onStoreError: 'run' })
      async lenient(): Promise<void> {
        ran.push('lenient');
      }
    }
    await expect(new Reports().strict()).rejects.toBeInstanceOf(LockStoreError);
    await new Reports().lenient();
    expect(ran).toEqual(['lenient']);
    expect(logger.lines).toEqual([expect.stringContaining('WITHOUT a lock')]);
  });
});
