import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockBusyError, LockConfigError, LockTimeoutError, currentLock } from '../../src';
import { LockModule, LockService } from '../../src/nestjs';
import { startApp } from '../support/nest/test-app';
import { describeWithRedis } from '../support/redis/describe-with-redis';
import { useRedisServer } from '../support/redis/use-redis-server';
import { waitUntil } from '../support/wait-until';

describeWithRedis('LockService (real Redis)', () => {
  const redis = useRedisServer();
  let locks: LockService;
  let n = 0;
  let key: string;

  beforeAll(async () => {
    const app = await startApp({ imports: [LockModule.forRoot({ redis: redis.url })] });
    locks = app.get<LockService>(LockService);
  });
  beforeEach(() => {
    key = `svc:${++n}`;
  });

  const stored = (k: string) => `lw:{${k}}`;

  describe('createLock handle', () => {
    it('acquire() takes the lock in Redis with the handle ttl, and is idempotent while held', async () => {
      const handle = locks.createLock(key, { ttl: 5_000 });
      expect(handle.key).toBe(key);
      expect(handle.lock).toBeUndefined();
      expect(await handle.acquire()).toBe(true);
      const pttl = await redis.raw.pttl(stored(key));
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(5_000);
      const fence = handle.lock!.fence;
      expect(await redis.raw.hget(stored(key), 'f')).toBe(String(fence));
      expect(await handle.acquire()).toBe(true);
      expect(handle.lock!.fence).toBe(fence);
      expect(await handle.release()).toBe(true);
      expect(await redis.raw.exists(stored(key))).toBe(0);
    });

    it('acquire() resolves false when the lock stays busy until waitTimeout or retryCount', async () => {
      const holder = locks.createLock(key);
      expect(await holder.acquire()).toBe(true);
      expect(await locks.createLock(key, { waitTimeout: 300 }).acquire()).toBe(false);
      expect(await locks.createLock(key, { retryCount: 1, retryDelay: 10 }).acquire()).toBe(false);
      await holder.release();
    });

    it('acquire() waits for the holder and gets the lock when it is released', async () => {
      const holder = locks.createLock(key);
      await holder.acquire();
      const waiter = locks.createLock(key);
      const acquired = waiter.acquire();
      await sleep(100);
      expect(await holder.release()).toBe(true);
      expect(await acquired).toBe(true);
      expect(waiter.lock!.held).toBe(true);
      await waiter.release();
    });

    it('fair handles queue in Redis and take the lock in the order they started waiting', async () => {
      const holder = locks.createLock(key);
      await holder.acquire();
      const order: string[] = [];
      const waiters = ['first', 'second', 'third'].map((name) => {
        const handle = locks.createLock(key, { fair: true });
        return { name, handle };
      });
      const done: Array<Promise<void>> = [];
      for (const { name, handle } of waiters) {
        done.push(
          handle.acquire().then(async (ok) => {
            order.push(`${name}:${ok}`);
            await handle.release();
          }),
        );
        // Each one is in the queue before the next starts.
        await waitForQueueLength(done.length);
      }
      await holder.release();
      await Promise.all(done);
      expect(order).toEqual(['first:true', 'second:true', 'third:true']);
    });

    const waitForQueueLength = async (length: number): Promise<void> => {
      await waitUntil(
        `${length} waiters in the queue`,
        async () => (await redis.raw.zcard(`${stored(key)}:q`)) >= length,
        1_000,
        5,
      ).catch(() => undefined);
      expect(await redis.raw.zcard(`${stored(key)}:q`)).toBe(length);
    };

    it('acquireImmediately() makes one attempt', async () => {
      const first = locks.createLock(key);
      const second = locks.createLock(key);
      expect(await first.acquireImmediately()).toBe(true);
      expect(await first.acquireImmediately()).toBe(true);
      expect(await second.acquireImmediately()).toBe(false);
      await first.release();
      expect(await second.acquireImmediately()).toBe(true);
      await second.release();
    });

    it('release() is true once for the holder, false otherwise; it never frees another owner', async () => {
      const holder = locks.createLock(key);
      const other = locks.createLock(key);
      expect(await other.release()).toBe(false);
      await holder.acquire();
      expect(await other.release()).toBe(false);
      expect(await redis.raw.exists(stored(key))).toBe(1);
      expect(await holder.release()).toBe(true);
      expect(await holder.release()).toBe(false);
    });

    it('forceRelease() deletes the lock whoever holds it; the holder finds out', async () => {
      const holder = locks.createLock(key);
      await holder.acquire();
      const signal = holder.lock!.signal;
      expect(await locks.createLock(key).forceRelease()).toBe(true);
      expect(await redis.raw.exists(stored(key))).toBe(0);
      expect(signal.aborted).toBe(true);
      expect(await holder.extend()).toBe(false);
      expect(await locks.createLock(key).forceRelease()).toBe(false);
    });

    it('exists() reports whether anyone holds the key', async () => {
      const handle = locks.createLock(key);
      const observer = locks.createLock(key);
      expect(await observer.exists()).toBe(false);
      await handle.acquire();
      expect(await observer.exists()).toBe(true);
      expect(await handle.exists()).toBe(true);
      await handle.release();
      expect(await observer.exists()).toBe(false);
    });

    it('isExpired() and getRemainingTime() follow the held lock; without autoExtend it runs out', async () => {
      const handle = locks.createLock(key, { ttl: 300 });
      expect(handle.isExpired()).toBe(true);
      expect(handle.getRemainingTime()).toBe(0);
      await handle.acquire();
      expect(handle.isExpired()).toBe(false);
      const remaining = handle.getRemainingTime();
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(300);
      await sleep(450);
      expect(handle.isExpired()).toBe(true);
      expect(handle.getRemainingTime()).toBe(0);
      expect(await redis.raw.exists(stored(key))).toBe(0);
      expect(await handle.release()).toBe(false);
    });

    it('extend(duration) pushes the expiry back in Redis; extend() uses the ttl', async () => {
      const handle = locks.createLock(key, { ttl: 1_000 });
      await handle.acquire();
      expect(await handle.extend(20_000)).toBe(true);
      expect(await redis.raw.pttl(stored(key))).toBeGreaterThan(1_000);
      expect(handle.getRemainingTime()).toBeGreaterThan(1_000);
      expect(await handle.extend()).toBe(true);
      expect(await redis.raw.pttl(stored(key))).toBeGreaterThan(1_000);
      await handle.release();
      expect(await handle.extend()).toBe(false);
      expect(await locks.createLock(key).extend()).toBe(false);
    });

    it('autoExtend keeps the lock past its ttl while held', async () => {
      const handle = locks.createLock(key, { ttl: 300, autoExtend: true });
      await handle.acquire();
      await sleep(600);
      expect(handle.isExpired()).toBe(false);
      expect(await redis.raw.exists(stored(key))).toBe(1);
      await handle.release();
    });

    it('validates its options with messages naming the call and the option', () => {
      expect(() => locks.createLock(key, { ttl: 0 })).toThrow(
        new LockConfigError(
          `LockService.createLock("${key}"): option "ttl" must be a positive integer number of milliseconds, got 0.`,
        ),
      );
      expect(() => locks.createLock(key, { onBusy: 'throw' } as never)).toThrow(
        new LockConfigError(
          `LockService.createLock("${key}"): unknown option "onBusy". Known options: ttl, retryCount, retryDelay, waitTimeout, autoExtend, metadata, fair, storeTimeout.`,
        ),
      );
      expect(() => locks.createLock('')).toThrow(
        new LockConfigError(
          'LockService.createLock: the lock key must be a non-empty string, got "".',
        ),
      );
    });
  });

  describe('withLock / runWithLock', () => {
    it('withLock returns the value, holds the lock meanwhile (currentLock inside) and releases it', async () => {
      const result = await locks.withLock(key, async (lock) => {
        expect(currentLock()).toBe(lock);
        expect(await redis.raw.exists(stored(key))).toBe(1);
        return 'done';
      });
      expect(result).toBe('done');
      expect(await redis.raw.exists(stored(key))).toBe(0);
    });

    it('withLock throws when it cannot acquire, without calling the function', async () => {
      const holder = locks.createLock(key);
      await holder.acquire();
      const fn = jest.fn();
      await expect(locks.withLock(key, fn, { waitTimeout: 200 })).rejects.toThrow(LockTimeoutError);
      await expect(locks.withLock(key, fn, { onBusy: 'throw' })).rejects.toThrow(LockBusyError);
      expect(fn).not.toHaveBeenCalled();
      await expect(locks.withLock(key, fn, { onBusy: 'skip' } as never)).rejects.toThrow(
        new LockConfigError(
          `LockService.withLock("${key}"): option "onBusy" must be 'wait' or 'throw'; use runWithLock to skip a busy lock.`,
        ),
      );
      await holder.release();
    });

    it('runWithLock reports a busy lock instead of throwing, and never hides errors of the function', async () => {
      expect(await locks.runWithLock(key, () => 7)).toEqual({ acquired: true, result: 7 });
      const holder = locks.createLock(key);
      await holder.acquire();
      const fn = jest.fn();
      expect(await locks.runWithLock(key, fn, { waitTimeout: 0 })).toEqual({
        acquired: false,
        result: undefined,
      });
      expect(await locks.runWithLock(key, fn, { waitTimeout: 200 })).toEqual({
        acquired: false,
        result: undefined,
      });
      expect(fn).not.toHaveBeenCalled();
      await holder.release();
      const thrown = new LockBusyError('from inside', { key: 'other' });
      await expect(
        locks.runWithLock(key, () => {
          throw thrown;
        }),
      ).rejects.toBe(thrown);
    });
  });

  describe('several keys at once', () => {
    it('withLock / runWithLock hold every key (all or none) while the function runs', async () => {
      const keys = [`${key}:b`, `${key}:a`] as const;
      const result = await locks.withLock(keys, async (lock) => {
        expect(lock.keys).toEqual([`${key}:a`, `${key}:b`]);
        expect(await redis.raw.exists(stored(keys[0]), stored(keys[1]))).toBe(2);
        return 'both';
      });
      expect(result).toBe('both');
      expect(await redis.raw.exists(stored(keys[0]), stored(keys[1]))).toBe(0);

      const holder = locks.createLock(keys[0]);
      await holder.acquire();
      const fn = jest.fn();
      expect(await locks.runWithLock(keys, fn, { waitTimeout: 0 })).toEqual({
        acquired: false,
        result: undefined,
      });
      expect(fn).not.toHaveBeenCalled();
      // The free key was taken first (byte order) and given back.
      expect(await redis.raw.exists(stored(keys[1]))).toBe(0);
      await expect(locks.withLock(keys, fn, { onBusy: 'skip' } as never)).rejects.toThrow(
        `LockService.withLock(["${key}:b","${key}:a"]): option "onBusy" must be 'wait' or 'throw'`,
      );
      await holder.release();
    });
  });

  describe('isLocked / forceRelease / getLockInfo', () => {
    it('isLocked and forceRelease by key', async () => {
      expect(await locks.isLocked(key)).toBe(false);
      const holder = locks.createLock(key);
      await holder.acquire();
      expect(await locks.isLocked(key)).toBe(true);
      expect(await locks.forceRelease(key)).toBe(true);
      expect(await locks.isLocked(key)).toBe(false);
      expect(await locks.forceRelease(key)).toBe(false);
    });

    it('getLockInfo gives exists, ttl, fence and metadata — never the owner token', async () => {
      expect(await locks.getLockInfo(key)).toEqual({
        exists: false,
        ttl: null,
        fence: null,
        metadata: null,
      });
      const handle = locks.createLock(key, { ttl: 10_000 });
      await handle.acquire();
      const info = await locks.getLockInfo(key);
      expect(info).toEqual({
        exists: true,
        ttl: expect.any(Number) as number,
        fence: handle.lock!.fence,
        metadata: `${hostname()}:${process.pid}`,
      });
      expect(info.ttl).toBeGreaterThan(0);
      expect(info.ttl).toBeLessThanOrEqual(10_000);
      expect(JSON.stringify(info)).not.toContain(handle.lock!.token);
      await handle.release();
      const custom = locks.createLock(key, { metadata: 'worker-3' });
      await custom.acquire();
      expect((await locks.getLockInfo(key)).metadata).toBe('worker-3');
      await custom.release();
    });
  });

  describe('defaults', () => {
    it('retries every 250 ms by default, ttl 30 000 ms, until waitTimeout', async () => {
      const acquire = jest.spyOn(locks.engine, 'acquire');
      const withLock = jest.spyOn(locks.engine, 'withLock');
      try {
        const handle = locks.createLock(key);
        await handle.acquire();
        expect(acquire).toHaveBeenLastCalledWith(key, {
          retryDelay: 250,
          autoExtend: false,
          onBusy: 'wait',
        });
        expect(await redis.raw.pttl(stored(key))).toBeGreaterThan(10_000);
        expect(await redis.raw.pttl(stored(key))).toBeLessThanOrEqual(30_000);
        await handle.release();
        await locks.withLock(key, () => undefined, { ttl: 5_000 });
        expect(withLock).toHaveBeenLastCalledWith(key, expect.any(Function), {
          retryDelay: 250,
          ttl: 5_000,
        });
      } finally {
        acquire.mockRestore();
        withLock.mockRestore();
      }
    });

    it("leaves retryDelay to the module's defaults when they set it", async () => {
      const other = await startApp({
        imports: [LockModule.forRoot({ redis: redis.url, defaults: { retryDelay: 40 } })],
      });
      const service = other.get<LockService>(LockService);
      const withLock = jest.spyOn(service.engine, 'withLock');
      await service.withLock(key, () => undefined);
      expect(withLock).toHaveBeenLastCalledWith(key, expect.any(Function), {});
    });
  });
});
