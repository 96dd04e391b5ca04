import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import {
  LockConfigError,
  LockLostError,
  Locked,
  MemoryLockStore,
  currentLock,
  type Lock,
} from '../../src';
import { LockModule, SingleInstanceCron } from '../../src/nestjs';
import { deferred } from '../support/deferred';
import { startApp, type TestApp } from '../support/nest/test-app';
import { describeWithRedis } from '../support/redis/describe-with-redis';
import { useRedisServer } from '../support/redis/use-redis-server';
import { ScriptedStore } from '../support/scripted-store';
import { useEngines } from '../support/use-engines';
import { waitUntil } from '../support/wait-until';

const HOUR = 3_600_000;
const T = Date.parse('2030-01-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describeWithRedis('@SingleInstanceCron (real Redis, real @nestjs/schedule)', () => {
  // Applications started in a test are closed after it, then Redis is flushed.
  const redis = useRedisServer({ flushAfterEach: true });
  let now = T;

  const start = (providers: unknown[], lockOptions: object = {}): Promise<TestApp> =>
    startApp({
      imports: [
        ScheduleModule.forRoot(),
        LockModule.forRoot({ redis: redis.url, clock: () => now, ...lockOptions }),
      ],
      providers: providers as never[],
    });

  describe('ticks, claims and the run lock (the scheduler is disabled; the test fires ticks)', () => {
    @Injectable()
    class Hourly {
      runs: Array<{ at: number; lock: Lock | undefined }> = [];
      gate: Promise<void> | undefined;

      @SingleInstanceCron('0 0 * * * *', { disabled: true })
      async report(): Promise<string> {
        this.runs.push({ at: now, lock: currentLock() });
        expect(await redis.raw.exists('lw:{Hourly.report}')).toBe(1);
        await this.gate;
        return 'ran';
      }
    }

    it('claims the tick by its scheduled time and keeps the claim one interval and a minute after the run', async () => {
      const app = await start([Hourly]);
      const job = app.get<Hourly>(Hourly);
      now = T + 7;
      expect(await job.report()).toBe('ran');
      expect(job.runs).toHaveLength(1);
      const claimTtl = await redis.raw.pttl(`lw:{Hourly.report:tick:${T}}`);
      expect(claimTtl).toBeGreaterThan(HOUR);
      expect(claimTtl).toBeLessThanOrEqual(HOUR + 60_000);
      // The run lock is released when the run ends; the claim is not.
      expect(await redis.raw.exists('lw:{Hourly.report}')).toBe(0);
    });

    it('skips a tick another replica already ran, however late or early this replica fires', async () => {
      const app = await start([Hourly]);
      const job = app.get<Hourly>(Hourly);
      now = T + 5;
      await job.report();
      app.logs.clear();
      for (const late of [T + 300, T - 400, T + HOUR / 2 - 1]) {
        now = late;
        expect(await job.report()).toBeUndefined();
      }
      expect(job.runs).toHaveLength(1);
      expect(app.logs.messages('debug', 'SingleInstanceCron')).toEqual([
        `Hourly.report: tick ${iso(T)} skipped: another replica claimed it.`,
        `Hourly.report: tick ${iso(T)} skipped: another replica claimed it.`,
        `Hourly.report: tick ${iso(T)} skipped: another replica claimed it.`,
      ]);
      expect(app.logs.messages('warn')).toEqual([]);
      expect(app.logs.messages('error')).toEqual([]);
      now = T + HOUR + 2;
      await job.report();
      expect(job.runs.map((r) => r.at)).toEqual([T + 5, T + HOUR + 2]);
    });

    it('a replica whose claim reaches Redis more than one interval late still finds the tick taken', async () => {
      @Injectable()
      class EverySecond {
        runs: number[] = [];

        @SingleInstanceCron('* * * * * *', { disabled: true })
        async beat(): Promise<void> {
          this.runs.push(now);
        }
      }
      const app = await start([EverySecond]);
      const job = app.get<EverySecond>(EverySecond);
      now = T - 300; // a replica whose clock runs ahead claims the tick early
      await job.beat();
      // Another replica names the same tick (its clock is within half a second of it), but its
      // claim arrives after more than the one-second interval (a stalled event loop, say).
      await sleep(1_200);
      now = T + 400;
      await job.beat();
      expect(job.runs).toEqual([T - 300]);
      expect(app.logs.messages('debug', 'SingleInstanceCron')).toContain(
        `EverySecond.beat: tick ${iso(T)} skipped: another replica claimed it.`,
      );
    });

    it('skips the next tick while a run is still in progress (overlap: skip)', async () => {
      const app = await start([Hourly]);
      const job = app.get<Hourly>(Hourly);
      const gate = deferred();
      job.gate = gate.promise;
      now = T;
      const first = job.report();
      await waitUntil('the first run to start', () => job.runs.length === 1);
      now = T + HOUR;
      expect(await job.report()).toBeUndefined();
      expect(app.logs.messages('debug', 'SingleInstanceCron')).toContain(
        `Hourly.report: tick ${iso(T + HOUR)} skipped: a previous run still holds "Hourly.report".`,
      );
      gate.resolve();
      await first;
      now = T + 2 * HOUR;
      job.gate = undefined;
      await job.report();
      expect(job.runs.map((r) => r.at)).toEqual([T, T + 2 * HOUR]);
    });

    it('currentLock() inside the method is the run lock; its signal ends with the run', async () => {
      const app = await start([Hourly]);
      const job = app.get<Hourly>(Hourly);
      now = T;
      await job.report();
      const lock = job.runs[0]!.lock!;
      expect(lock.key).toBe('Hourly.report');
      expect(lock.held).toBe(false);
      expect(lock.signal.aborted).toBe(true);
      expect(lock.signal.reason).not.toBeInstanceOf(LockLostError);
    });

    it('auto-extends the run lock while the run lasts longer than its ttl', async () => {
      @Injectable()
      class Long {
        stillHeld: boolean[] = [];
        @SingleInstanceCron('0 0 * * * *', { ttl: 300, disabled: true })
        async run(): Promise<void> {
          await new Promise((resolve) => setTimeout(resolve, 700));
          this.stillHeld.push(currentLock()!.held, (await redis.raw.exists('lw:{Long.run}')) === 1);
        }
      }
      const app = await start([Long]);
      now = T;
      await app.get<Long>(Long).run();
      expect(app.get<Long>(Long).stillHeld).toEqual([true, true]);
    });

    it('overlap: allow runs each tick even while the previous run is in progress', async () => {
      @Injectable()
      class Overlapping {
        started: string[] = [];
        gate = deferred();
        @SingleInstanceCron('0 0 * * * *', { overlap: 'allow', disabled: true })
        async run(): Promise<void> {
          this.started.push(currentLock()!.key);
          await this.gate.promise;
        }
      }
      const app = await start([Overlapping]);
      const job = app.get<Overlapping>(Overlapping);
      now = T;
      const first = job.run();
      now = T + HOUR;
      const second = job.run();
      await waitUntil('both runs to start', () => job.started.length === 2);
      expect(job.started).toEqual([`Overlapping.run:run:${T}`, `Overlapping.run:run:${T + HOUR}`]);
      job.gate.resolve();
      await Promise.all([first, second]);
    });

    it('lockAtMostFor: the run lock is not extended; its signal aborts when it runs out', async () => {
      @Injectable()
      class Bounded {
        reason: unknown;
        ttl = -2;
        @SingleInstanceCron('0 0 * * * *', { lockAtMostFor: 300, disabled: true })
        async run(): Promise<void> {
          const signal = currentLock()!.signal;
          this.ttl = await redis.raw.pttl('lw:{Bounded.run}');
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          this.reason = signal.reason;
        }
      }
      const app = await start([Bounded]);
      const job = app.get<Bounded>(Bounded);
      now = T;
      await job.run();
      expect(job.ttl).toBeGreaterThan(0);
      expect(job.ttl).toBeLessThanOrEqual(300);
      expect(job.reason).toBeInstanceOf(LockLostError);
    });

    it('lockAtLeastFor keeps the claim longer than the interval; name and key pick the lock names', async () => {
      @Injectable()
      class Named {
        @SingleInstanceCron('0 0 * * * *', {
          name: 'billing.sweep',
          lockAtLeastFor: 3 * HOUR,
          disabled: true,
        })
        async sweep(): Promise<string | undefined> {
          return currentLock()?.key;
        }

        @SingleInstanceCron('0 0 * * * *', { name: 'other.job', key: 'shared-key', disabled: true })
        async other(): Promise<string | undefined> {
          return currentLock()?.key;
        }
      }
      const app = await start([Named]);
      const job = app.get<Named>(Named);
      now = T;
      expect(await job.sweep()).toBe('billing.sweep');
      expect(await redis.raw.pttl(`lw:{billing.sweep:tick:${T}}`)).toBeGreaterThan(2 * HOUR);
      expect(await job.other()).toBe('shared-key');
      expect(await redis.raw.exists(`lw:{shared-key:tick:${T}}`)).toBe(1);
      // `name` is also the cron job's name in @nestjs/schedule's registry.
      expect(
        app.get<SchedulerRegistry>(SchedulerRegistry).getCronJob('billing.sweep'),
      ).toBeDefined();
    });
  });

  describe('store failures', () => {
    @Injectable()
    class Fragile {
      runs = 0;
      @SingleInstanceCron('0 0 * * * *', { disabled: true })
      async run(): Promise<void> {
        this.runs += 1;
      }
    }

    it('fail closed: the tick is skipped and an error is logged', async () => {
      const store = new ScriptedStore(new MemoryLockStore());
      const app = await start([Fragile], { redis: undefined, store });
      const job = app.get<Fragile>(Fragile);
      store.fail('acquire', new Error('connection reset'));
      now = T;
      await job.run();
      expect(job.runs).toBe(0);
      expect(app.logs.messages('error', 'SingleInstanceCron')).toEqual([
        `Fragile.run: tick ${iso(T)} skipped because the lock store failed: Lock store failed during acquire of "Fragile.run:tick:${T}": connection reset`,
      ]);
    });

    it("onStoreError: 'run' runs the tick anyway and says so", async () => {
      // The module does not close a store it was given: the test's fixtures do.
      const store = new ScriptedStore(useEngines(redis).store());
      const app = await start([Fragile], { redis: undefined, store, onStoreError: 'run' });
      const job = app.get<Fragile>(Fragile);
      store.fail('acquire', new Error('connection reset'));
      now = T;
      await job.run();
      expect(job.runs).toBe(1);
      expect(app.logs.messages('warn', 'SingleInstanceCron')).toEqual([
        `Fragile.run: tick ${iso(T)} runs without its claim because the lock store failed (onStoreError: 'run'): Lock store failed during acquire of "Fragile.run:tick:${T}": connection reset`,
      ]);
      expect(app.logs.messages('warn', 'LockModule')).toEqual([
        `lockwarden: running "Fragile.run" WITHOUT a lock because the store failed (onStoreError: 'run'): Error: connection reset`,
      ]);
    });

    it('without a LockModule registration the tick is skipped with an error naming it', async () => {
      @Injectable()
      class Orphan {
        runs = 0;
        @SingleInstanceCron('0 0 * * * *', { engine: 'nope', disabled: true })
        async run(): Promise<void> {
          this.runs += 1;
        }
      }
      const app = await start([Orphan]);
      await app.get<Orphan>(Orphan).run();
      expect(app.get<Orphan>(Orphan).runs).toBe(0);
      expect(app.logs.messages('error', 'SingleInstanceCron')).toEqual([
        'Orphan.run: tick skipped: no LockModule registration named "nope" is running. Import LockModule.forRoot({ name: "nope", redis: ... }).',
      ]);
    });
  });

  describe('with the real scheduler', () => {
    it('runs each second under a fresh claim, in either decorator order with @Locked and @SetMetadata', async () => {
      @Injectable()
      class Ticking {
        below: Array<string | undefined> = [];
        above: Array<string | undefined> = [];

        @SetMetadata('role', 'below')
        @Locked({ key: 'locked-below' })
        @SingleInstanceCron('* * * * * *', { name: 'ticking.below' })
        async tickBelow(): Promise<void> {
          this.below.push(currentLock()?.key);
        }

        @SingleInstanceCron('* * * * * *', { name: 'ticking.above' })
        @Locked({ key: 'locked-above' })
        @SetMetadata('role', 'above')
        async tickAbove(): Promise<void> {
          this.above.push(currentLock()?.key);
        }
      }
      now = Date.now();
      const app = await start([Ticking], { clock: Date.now });
      const job = app.get<Ticking>(Ticking);
      const registry = app.get<SchedulerRegistry>(SchedulerRegistry);
      expect([...registry.getCronJobs().keys()].sort()).toEqual(['ticking.above', 'ticking.below']);
      const reflector = new Reflector();
      expect(reflector.get<string>('role', Ticking.prototype.tickBelow)).toBe('below');
      expect(reflector.get<string>('role', Ticking.prototype.tickAbove)).toBe('above');
      await waitUntil(
        'two ticks of each job',
        () => job.below.length >= 2 && job.above.length >= 2,
        10_000,
      );
      // Decorators apply bottom-up: the one nearest the method wraps it innermost, so
      // currentLock() is the run lock when @SingleInstanceCron is nearest, else @Locked's lock.
      expect(new Set(job.below)).toEqual(new Set(['ticking.below']));
      expect(new Set(job.above)).toEqual(new Set(['locked-above']));
    });
  });

  describe('validation when the class is defined (exact messages)', () => {
    const define = (cronTime: unknown, options?: unknown) => () => {
      class Jobs {
        @SingleInstanceCron(cronTime as string, options as never)
        async run(): Promise<void> {}
      }
      return Jobs;
    };
    const cases: Array<[string, () => unknown, string]> = [
      [
        'a bad cron expression',
        define('61 * * * * *'),
        '@SingleInstanceCron on Jobs.run: option "cronTime" must be a valid cron expression, got "61 * * * * *" (Field value (61) is out of range).',
      ],
      [
        'a bad cron expression with a bad time zone (the expression is named, with its own reason)',
        define('61 * * * * *', { timeZone: 'Mars/Base' }),
        '@SingleInstanceCron on Jobs.run: option "cronTime" must be a valid cron expression, got "61 * * * * *" (Field value (61) is out of range).',
      ],
      [
        'a cronTime that is not a string',
        define(new Date(0)),
        '@SingleInstanceCron on Jobs.run: option "cronTime" must be a cron expression such as \'0 */5 * * * *\' (or a CronExpression value), got an object.',
      ],
      [
        'a wait option (a tick never waits)',
        define('* * * * * *', { waitTimeout: 5 }),
        '@SingleInstanceCron on Jobs.run: unknown option "waitTimeout". A tick makes one attempt and never waits, so "waitTimeout" does not apply to @SingleInstanceCron. Its lock options: name, key, engine, overlap, lockAtMostFor, lockAtLeastFor, ttl, autoExtend, metadata, onStoreError, storeTimeout; the rest go to @Cron.',
      ],
      [
        'fair (removed: nobody waits for a tick)',
        define('* * * * * *', { fair: true }),
        '@SingleInstanceCron on Jobs.run: unknown option "fair". A tick makes one attempt and never waits, so "fair" does not apply to @SingleInstanceCron. Its lock options: name, key, engine, overlap, lockAtMostFor, lockAtLeastFor, ttl, autoExtend, metadata, onStoreError, storeTimeout; the rest go to @Cron.',
      ],
      [
        'a bad storeTimeout',
        define('* * * * * *', { storeTimeout: 0 }),
        '@SingleInstanceCron on Jobs.run: option "storeTimeout" must be a positive integer number of milliseconds, got 0.',
      ],
      [
        'a bad ttl (shared acquire option)',
        define('* * * * * *', { ttl: 0 }),
        '@SingleInstanceCron on Jobs.run: option "ttl" must be a positive integer number of milliseconds, got 0.',
      ],
      [
        'a negative lockAtLeastFor',
        define('* * * * * *', { lockAtLeastFor: -1 }),
        '@SingleInstanceCron on Jobs.run: option "lockAtLeastFor" must be an integer number of milliseconds >= 0, got -1.',
      ],
      [
        'lockAtMostFor with ttl',
        define('* * * * * *', { lockAtMostFor: 1_000, ttl: 500 }),
        '@SingleInstanceCron on Jobs.run: options "lockAtMostFor" and "ttl" exclude each other: lockAtMostFor is the run lock\'s ttl without auto-extension. Remove one of them.',
      ],
      [
        'lockAtMostFor with autoExtend',
        define('* * * * * *', { lockAtMostFor: 1_000, autoExtend: { interval: 100 } }),
        '@SingleInstanceCron on Jobs.run: options "lockAtMostFor" and "autoExtend" exclude each other: lockAtMostFor is the run lock\'s ttl without auto-extension. Remove one of them.',
      ],
      [
        'a bad overlap',
        define('* * * * * *', { overlap: 'queue' }),
        '@SingleInstanceCron on Jobs.run: option "overlap" must be \'skip\' or \'allow\', got "queue".',
      ],
      [
        'an unknown time zone',
        define('* * * * * *', { timeZone: 'Mars/Base' }),
        '@SingleInstanceCron on Jobs.run: option "timeZone" is not accepted by cron, got "Mars/Base" (Invalid timezone.).',
      ],
      [
        'timeZone with utcOffset',
        define('* * * * * *', { timeZone: 'UTC', utcOffset: 60 }),
        // cron's own rule, in cron's words.
        '@SingleInstanceCron on Jobs.run: option "timeZone" is not accepted by cron, got "UTC" (You can\'t specify both timeZone and utcOffset).',
      ],
      [
        'an empty name',
        define('* * * * * *', { name: '' }),
        '@SingleInstanceCron on Jobs.run: option "name" must be a non-empty string, got "".',
      ],
    ];
    it.each(cases)('%s', (_title, defineClass, message) => {
      expect(defineClass).toThrow(new LockConfigError(message));
      expect(defineClass).toThrow(LockConfigError);
    });

    it('accepts lockAtMostFor with autoExtend: false (what lockAtMostFor means anyway)', () => {
      expect(define('* * * * * *', { lockAtMostFor: 1_000, autoExtend: false })).not.toThrow();
    });

    it("passes every option that is not the lock's to @Cron untouched, known to lockwarden or not", () => {
      class Jobs {
        @SingleInstanceCron('0 0 * * * *', {
          name: 'jobs.run',
          ttl: 5_000,
          threshold: 100,
          timeZone: 'Europe/Paris',
          // An option a later @nestjs/schedule might add: not refused, not checked.
          ...({ someFutureOption: 'as given' } as object),
        })
        async run(): Promise<void> {}
      }
      expect(Reflect.getMetadata('SCHEDULE_CRON_OPTIONS', Jobs.prototype.run)).toEqual({
        cronTime: '0 0 * * * *',
        name: 'jobs.run',
        threshold: 100,
        timeZone: 'Europe/Paris',
        someFutureOption: 'as given',
      });
    });

    it('refuses static methods and a second @SingleInstanceCron on one method', () => {
      expect(() => {
        class Jobs {
          @SingleInstanceCron('* * * * * *')
          static async run(): Promise<void> {}
        }
        return Jobs;
      }).toThrow(
        new LockConfigError(
          '@SingleInstanceCron on Jobs.run: static methods are never scheduled by @nestjs/schedule; make it an instance method of a provider.',
        ),
      );
      expect(() => {
        class Jobs {
          @SingleInstanceCron('* * * * * *')
          @SingleInstanceCron('0 * * * * *')
          async run(): Promise<void> {}
        }
        return Jobs;
      }).toThrow(
        new LockConfigError(
          '@SingleInstanceCron on Jobs.run: @SingleInstanceCron is applied twice; keep one.',
        ),
      );
    });
  });
});
