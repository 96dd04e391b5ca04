import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { currentLock, Locked, MemoryLockStore, type Lock } from '../../src';
import { LockModule, LockService, SingleInstanceCron } from '../../src/nestjs';
import { getLockRegistrationToken } from '../../src/nestjs/lock.module';
import type { LockRegistration } from '../../src/nestjs/lock-registration';
import { deferred } from '../support/deferred';
import { storeOver } from '../support/scripted-store';
import { startApp, type TestApp } from '../support/nest/test-app';
import { connectionNames } from '../support/redis/connection-names';
import { describeWithRedis } from '../support/redis/describe-with-redis';
import { useRedisServer } from '../support/redis/use-redis-server';
import { waitUntil } from '../support/wait-until';

/** Like a database client: closed in onApplicationShutdown, as Nest applications usually do. */
@Injectable()
class Database implements OnApplicationShutdown {
  open = true;
  onApplicationShutdown(): void {
    this.open = false;
  }
}

@Injectable()
class Work {
  constructor(readonly db: Database) {}
  gate = deferred();
  dbOpenAtEnd: boolean | undefined;
  lock: Lock | undefined;
  finished = false;
  ticks = 0;

  @Locked({ key: 'work' })
  async slow(): Promise<string> {
    this.lock = currentLock();
    await this.gate.promise;
    this.dbOpenAtEnd = this.db.open;
    this.finished = true;
    return 'finished';
  }

  @SingleInstanceCron('0 0 * * * *', { disabled: true })
  async tick(): Promise<void> {
    this.ticks += 1;
  }

  runGate = deferred();
  runStarted = false;
  runDbOpenAtEnd: boolean | undefined;

  @SingleInstanceCron('0 0 * * * *', { disabled: true, name: 'work.run' })
  async run(): Promise<void> {
    this.runStarted = true;
    await this.runGate.promise;
    this.runDbOpenAtEnd = this.db.open;
  }
}

describeWithRedis('LockModule shutdown', () => {
  const redis = useRedisServer({ flushAfterEach: true });

  const start = (options: { shutdownTimeout?: number } = {}): Promise<TestApp> =>
    startApp({
      imports: [
        ScheduleModule.forRoot(),
        LockModule.forRoot({
          redis: `${redis.url}?connectionName=lw-shutdown`,
          ...options,
        }),
      ],
      providers: [Work, Database],
    });

  it('lets an in-flight locked call finish, then releases what is held and closes its connection', async () => {
    const app = await start();
    const work = app.get<Work>(Work);
    const call = work.slow();
    await waitUntil('the locked call to start', () => work.lock !== undefined);
    const handle = app.get<LockService>(LockService).createLock('held-by-hand');
    expect(await handle.acquire()).toBe(true);

    const closing = app.close();
    // Shutdown waits: the call still holds its lock, which is not aborted.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(work.finished).toBe(false);
    expect(work.lock!.signal.aborted).toBe(false);
    expect(await redis.raw.exists('lw:{work}')).toBe(1);
    // No new scheduled runs once shutdown has started.
    await work.tick();
    expect(work.ticks).toBe(0);
    expect(app.logs.messages('debug', 'SingleInstanceCron')).toContain(
      'Work.tick: tick skipped: the application is shutting down.',
    );

    work.gate.resolve();
    expect(await call).toBe('finished');
    // It finished before the application closed its own resources.
    expect(work.dbOpenAtEnd).toBe(true);
    await closing;
    expect(work.db.open).toBe(false);
    expect(await redis.raw.exists('lw:{work}')).toBe(0);
    expect(await redis.raw.exists('lw:{held-by-hand}')).toBe(0);
    expect(await connectionNames(redis.raw)).not.toContain('lw-shutdown');
    expect(app.logs.messages('warn')).toEqual([]);
  });

  it('lets a running @SingleInstanceCron job finish before the application closes its resources', async () => {
    const app = await start();
    const work = app.get<Work>(Work);
    // Called by hand, a scheduled method claims the nearest tick and runs under its run lock.
    const run = work.run();
    await waitUntil('the job to start', () => work.runStarted);
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(work.runDbOpenAtEnd).toBeUndefined();
    expect(await redis.raw.exists('lw:{work.run}')).toBe(1);
    work.runGate.resolve();
    await run;
    await closing;
    expect(work.runDbOpenAtEnd).toBe(true);
    expect(await redis.raw.exists('lw:{work.run}')).toBe(0);
    expect(app.logs.messages('warn')).toEqual([]);
  });

  it('lets a tick that claimed just before shutdown run, then closes (nothing claimed is lost)', async () => {
    // The tick's claim waits at a gate: shutdown begins between the claim and the run.
    const inner = new MemoryLockStore();
    const claimAnswered = deferred();
    let claims = 0;
    const store = storeOver(inner, {
      acquire: async (key, owner, ttl, options) => {
        if (key.includes(':tick:')) {
          claims += 1;
          await claimAnswered.promise;
        }
        return inner.acquire(key, owner, ttl, options);
      },
    });
    const app = await startApp({
      imports: [ScheduleModule.forRoot(), LockModule.forRoot({ store })],
      providers: [Work, Database],
    });
    const work = app.get<Work>(Work);
    const run = work.run();
    await waitUntil('the claim to be sent', () => claims === 1);
    const closing = app.close();
    const registration = app.get<LockRegistration>(getLockRegistrationToken());
    await waitUntil('shutdown to begin', () => registration.closing);
    claimAnswered.resolve();
    await waitUntil('the claimed tick to run', () => work.runStarted);
    work.runGate.resolve();
    await run;
    await closing;
    expect(work.runDbOpenAtEnd).toBe(true);
    expect(await inner.inspect('lw:{work.run}')).toBeNull();
    expect(app.logs.messages('error')).toEqual([]);
  });

  it('waits at most shutdownTimeout, then releases the locks of calls still running', async () => {
    const app = await start({ shutdownTimeout: 200 });
    const work = app.get<Work>(Work);
    const call = work.slow();
    await waitUntil('the locked call to start', () => work.lock !== undefined);
    await app.close();
    expect(work.finished).toBe(false);
    expect(work.lock!.held).toBe(false);
    expect(work.lock!.signal.aborted).toBe(true);
    expect(await redis.raw.exists('lw:{work}')).toBe(0);
    expect(app.logs.messages('warn', 'LockModule')).toEqual([
      '1 of 1 locked call(s) still running after shutdownTimeout (200 ms); releasing their locks anyway.',
    ]);
    expect(await connectionNames(redis.raw)).not.toContain('lw-shutdown');
    work.gate.resolve();
    await call;
  });

  it('leaves tick claims to expire: a replica reaching the tick after this one shut down still skips it', async () => {
    const app = await start();
    await app.get<Work>(Work).tick();
    const claims = (await redis.raw.keys('lw:{Work.tick:tick:*}')).filter(
      (k) => !k.endsWith(':fence'),
    );
    expect(claims).toHaveLength(1);
    await app.close();
    expect(await redis.raw.exists(claims[0]!)).toBe(1);
  });
});
