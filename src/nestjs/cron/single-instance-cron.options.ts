import type { CronOptions } from '@nestjs/schedule';
import { DEFAULT_ENGINE_NAME } from '../../decorators/engine-registry';
import { LockConfigError } from '../../engine/errors';
import {
  stripUndefined,
  type ClaimOptions,
  type StoreErrorPolicy,
  type WithLockOptions,
} from '../../engine/options';
import {
  acquireChecks,
  checkOptions,
  intervalBelowTtl,
  nonNegativeMs,
  oneOf,
  optionError,
  positiveMs,
  validateKey,
  type OptionSpec,
} from '../../engine/validate';
import { CronTicks } from './cron-ticks';

/**
 * The lock options of `@SingleInstanceCron` (the others are `@Cron`'s). `metadata` is stored with
 * the tick's claim and run lock; `storeTimeout` bounds each of their store calls.
 *
 * @example
 * const nightly = { name: 'reports.nightly', lockAtMostFor: 3_600_000 } satisfies SingleInstanceCronLockOptions;
 */
export interface SingleInstanceCronLockOptions extends Pick<
  WithLockOptions,
  'metadata' | 'storeTimeout'
> {
  /**
   * The job's name: the name of its run lock and the prefix of its tick claims, and the name
   * under which `@nestjs/schedule` registers the cron job (`SchedulerRegistry.getCronJob(name)`).
   * @default `${ClassName}.${methodName}` (then the cron job gets a generated name)
   * @example
   * @SingleInstanceCron('0 0 * * * *', { name: 'billing.sweep' })
   * async sweep(): Promise<void> {}
   * // elsewhere: schedulerRegistry.getCronJob('billing.sweep').stop();
   */
  name?: string;
  /**
   * The lock key when it should differ from `name` (e.g. to share a key between two apps on
   * purpose).
   * @default name
   * @example
   * @SingleInstanceCron('0 * * * * *', { name: 'api.cleanup', key: 'shared.cleanup' })
   */
  key?: string;
  /**
   * The `LockModule` registration whose engine takes the locks.
   * @default 'default'
   * @example
   * LockModule.forRoot({ name: 'jobs', redis: jobsRedisUrl });
   * // ...
   * @SingleInstanceCron('0 * * * * *', { engine: 'jobs' })
   */
  engine?: string;
  /**
   * `'skip'`: a tick that fires while a run is still in progress (on any replica) is skipped.
   * `'allow'`: each tick runs (on one replica) even if the previous run has not finished.
   * @default 'skip'
   * @example
   * // Each beat stands alone: a slow one must not make the next ones skip.
   * @SingleInstanceCron('* * * * * *', { name: 'heartbeat', overlap: 'allow' })
   */
  overlap?: 'skip' | 'allow';
  /**
   * How long the run lock lives if the replica running the job dies, in ms, as in ShedLock. The
   * lock is then not auto-extended: after this long it expires and the method's
   * `currentLock().signal` aborts. Set it above the job's longest run. Without it the run lock is
   * auto-extended (`ttl`, `autoExtend`), which needs no estimate of the run's length.
   * @default undefined (auto-extended run lock)
   * @example
   * // A run never takes more than 10 minutes: if its replica dies, the next run may start then.
   * @SingleInstanceCron('0 0 * * * *', { name: 'hourly', lockAtMostFor: 10 * 60_000 })
   */
  lockAtMostFor?: number;
  /**
   * Keep the tick's claim at least this long, in ms, as in ShedLock. The claim already lives one
   * schedule interval, which is what stops a late replica from running the same tick again;
   * raise this only if replicas' clocks may disagree by more than that.
   * @default 0 (the interval to the next tick)
   * @example
   * @SingleInstanceCron('* * * * * *', { name: 'fast', lockAtLeastFor: 5_000 })
   */
  lockAtLeastFor?: number;
  /**
   * Time to live of the auto-extended run lock, ms: how long a crashed replica blocks the next
   * runs. Not with `lockAtMostFor`.
   * @default 30_000 (or the module's `defaults.ttl`)
   * @example
   * @SingleInstanceCron('0 * * * * *', { name: 'sync', ttl: 10_000 }) // a dead replica blocks 10 s
   */
  ttl?: number;
  /**
   * Renewal of the run lock (`true`: every `ttl / 3`). Not with `lockAtMostFor`.
   * @default true (or the module's `defaults.autoExtend`)
   * @example
   * @SingleInstanceCron('0 * * * * *', { name: 'sync', ttl: 30_000, autoExtend: { interval: 5_000 } })
   */
  autoExtend?:
    | boolean
    | {
        /** Renew every this many ms (below the ttl). */
        interval: number;
      };
  /**
   * When Redis fails: `'throw'` skips the tick and logs an error (fail closed); `'run'` runs it
   * anyway, unlocked, and logs a warning (every replica may then run it).
   * @default the module's `onStoreError` ('throw')
   * @example
   * // Harmless if run twice, bad if not run: run it even when Redis is down.
   * @SingleInstanceCron('0 * * * * *', { name: 'metrics.flush', onStoreError: 'run' })
   */
  onStoreError?: StoreErrorPolicy;
}

/**
 * Options of `@SingleInstanceCron`: the lock options, and `@nestjs/schedule`'s own `CronOptions`
 * (`timeZone`, `utcOffset`, `disabled`, `threshold`, ...), which are passed to `@Cron` as given.
 *
 * @example
 * @SingleInstanceCron('0 30 2 * * *', { name: 'nightly', timeZone: 'Europe/Paris', lockAtMostFor: 3_600_000 })
 * async nightly(): Promise<void> {}
 */
export type SingleInstanceCronOptions = SingleInstanceCronLockOptions & CronOptions;

/** What `@SingleInstanceCron` resolved when the class was defined. */
export interface SingleInstanceCronPlan {
  /** `ClassName.methodName`, for messages. */
  readonly label: string;
  readonly className: string;
  /** The run lock's key; tick claims are `${key}:tick:${scheduledTime}`. */
  readonly key: string;
  readonly engine: string;
  readonly overlap: 'skip' | 'allow';
  readonly lockAtLeastFor: number;
  readonly onStoreError: StoreErrorPolicy | undefined;
  /** Options of the run lock's `withLock` (besides `onBusy`). */
  readonly runOptions: WithLockOptions;
  /** The tick claim's options besides its ttl. */
  readonly claimOptions: Omit<ClaimOptions, 'ttl'>;
  /** The schedule, as `cron` computes it in the job's time zone: names each tick. */
  readonly ticks: CronTicks;
  /** What `@Cron` is given: the options that are not the lock's, and `name` when given. */
  readonly cronOptions: CronOptions;
}

const lockName = {
  expected: 'a non-empty string',
  valid: (value: unknown) => typeof value === 'string' && value.length > 0,
  then: (where: string, value: unknown) => validateKey(where, value),
};

const cronSpec: OptionSpec = {
  options: {
    name: lockName,
    key: lockName,
    engine: {
      expected: 'the non-empty name of a LockModule registration',
      valid: (value) => typeof value === 'string' && value.length > 0,
    },
    overlap: oneOf(['skip', 'allow'], "'skip' or 'allow'"),
    lockAtMostFor: positiveMs,
    lockAtLeastFor: nonNegativeMs,
    ttl: acquireChecks.ttl,
    autoExtend: acquireChecks.autoExtend,
    metadata: acquireChecks.metadata,
    onStoreError: acquireChecks.onStoreError,
    storeTimeout: acquireChecks.storeTimeout,
  },
  notAnObject: (got) => `the options must be an object, got ${got}.`,
  // Acquire options that cannot apply are refused; every other name belongs to @Cron.
  unknown: (name, known) =>
    Object.hasOwn(acquireChecks, name)
      ? ` A tick makes one attempt and never waits, so "${name}" does not apply to @SingleInstanceCron. Its lock options: ${known}; the rest go to @Cron.`
      : undefined,
  rules: [
    intervalBelowTtl,
    (where, options) => {
      if (options['lockAtMostFor'] === undefined) return;
      for (const other of ['ttl', 'autoExtend']) {
        if (options[other] !== undefined && !(other === 'autoExtend' && options[other] === false)) {
          throw new LockConfigError(
            `${where}: options "lockAtMostFor" and "${other}" exclude each other: lockAtMostFor is the run lock's ttl without auto-extension. Remove one of them.`,
          );
        }
      }
    },
  ],
};

/**
 * Check `@SingleInstanceCron(cronTime, options)` on `className.methodName` and resolve what
 * each tick needs, the schedule included (built once, here). Throws `LockConfigError` naming the
 * class, the method and the option.
 */
export function planSingleInstanceCron(
  className: string,
  methodName: string,
  cronTime: unknown,
  options: unknown,
): SingleInstanceCronPlan {
  const label = `${className}.${methodName}`;
  const where = `@SingleInstanceCron on ${label}`;
  if (typeof cronTime !== 'string' || cronTime.trim().length === 0) {
    throw optionError(
      where,
      'cronTime',
      "a cron expression such as '0 */5 * * * *' (or a CronExpression value)",
      cronTime,
    );
  }
  const given = checkOptions(where, options === undefined ? {} : options, cronSpec);
  const cronOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(given)) {
    if (value !== undefined && !Object.hasOwn(cronSpec.options, name)) cronOptions[name] = value;
  }
  const o = given as SingleInstanceCronLockOptions;
  if (o.name !== undefined) cronOptions['name'] = o.name;
  const runOptions: WithLockOptions =
    o.lockAtMostFor !== undefined
      ? { ttl: o.lockAtMostFor, autoExtend: false }
      : { ttl: o.ttl, autoExtend: o.autoExtend };
  runOptions.metadata = o.metadata;
  runOptions.storeTimeout = o.storeTimeout;
  return {
    label,
    className,
    key: o.key ?? o.name ?? label,
    engine: o.engine ?? DEFAULT_ENGINE_NAME,
    overlap: o.overlap ?? 'skip',
    lockAtLeastFor: o.lockAtLeastFor ?? 0,
    onStoreError: o.onStoreError,
    runOptions,
    claimOptions: stripUndefined({ metadata: o.metadata, storeTimeout: o.storeTimeout }),
    ticks: scheduleOf(where, cronTime, cronOptions['timeZone'], cronOptions['utcOffset']),
    cronOptions,
  };
}

/** The schedule, built once; when cron refuses it, the message names the part it refused. */
function scheduleOf(where: string, cronTime: string, timeZone: unknown, utcOffset: unknown) {
  try {
    return new CronTicks(cronTime, timeZone, utcOffset);
  } catch (error) {
    if (error instanceof LockConfigError) throw error;
    let option = 'cronTime';
    if (timeZone !== undefined || utcOffset !== undefined) {
      try {
        new CronTicks(cronTime);
        option = timeZone !== undefined ? 'timeZone' : 'utcOffset';
      } catch {
        // The expression itself is wrong.
      }
    }
    const value = option === 'cronTime' ? cronTime : option === 'timeZone' ? timeZone : utcOffset;
    throw new LockConfigError(
      option === 'cronTime'
        ? `${where}: option "cronTime" must be a valid cron expression, got ${JSON.stringify(cronTime)} (${reason(error)}).`
        : `${where}: option "${option}" is not accepted by cron, got ${JSON.stringify(value)} (${reason(error)}).`,
    );
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
