import type { CronOptions } from '@nestjs/schedule';
import { DEFAULT_ENGINE_NAME } from '../../decorators/engine-registry';
import { LockConfigError } from '../../engine/errors';
import { stripUndefined, type WithLockOptions } from '../../engine/options';
import {
  acquireChecks,
  checkOptions,
  intervalBelowTtl,
  nonEmptyString,
  nonNegativeMs,
  oneOf,
  optionError,
  positiveMs,
  validateKey,
  type OptionCheck,
  type OptionSpec,
} from '../../engine/validate';
import { CronTicks } from './cron-ticks';

/**
 * The lock options of `@SingleInstanceCron` (the others are `@Cron`'s). `ttl` and `autoExtend`
 * are the run lock's; `metadata` and `storeTimeout` apply to the run lock and the tick's claim.
 * When Redis fails, `onStoreError: 'throw'` skips the tick and logs an error; `'run'` runs it
 * unlocked with a warning (every replica may then run it).
 *
 * @example
 * @SingleInstanceCron('0 0 * * * *', { name: 'reports.hourly', lockAtMostFor: 10 * 60_000 })
 */
export interface SingleInstanceCronLockOptions extends Pick<
  WithLockOptions,
  'ttl' | 'autoExtend' | 'metadata' | 'onStoreError' | 'storeTimeout'
> {
  /**
   * The job's name: its run lock's key, the prefix of its tick claims, and its cron job's name
   * in `SchedulerRegistry`.
   * @default `${ClassName}.${methodName}` (then the cron job gets a generated name)
   */
  name?: string;
  /** The lock key when it should differ from `name` (e.g. to share a key between two apps). */
  key?: string;
  /** The `LockModule` registration whose engine takes the locks (default `'default'`). */
  engine?: string;
  /**
   * `'skip'`: a tick that fires while a run is in progress (on any replica) is skipped.
   * `'allow'`: each tick runs (on one replica) even if the previous run has not finished.
   * @default 'skip'
   */
  overlap?: 'skip' | 'allow';
  /**
   * The run lock's ttl without auto-extension, in ms, as in ShedLock: if the replica running the
   * job dies, the next run may start after this long (set it above the longest run). Without it
   * the run lock is auto-extended (`ttl`, `autoExtend`).
   */
  lockAtMostFor?: number;
  /**
   * Keep the tick's claim at least this long, in ms, as in ShedLock. The claim already lives one
   * schedule interval plus 60 s; raise this only if replicas' clocks may disagree by more.
   */
  lockAtLeastFor?: number;
}

/**
 * Options of `@SingleInstanceCron`: its lock options, and `@nestjs/schedule`'s `CronOptions`
 * (`timeZone`, `utcOffset`, `disabled`, ...), passed to `@Cron` as given.
 */
export type SingleInstanceCronOptions = SingleInstanceCronLockOptions & CronOptions;

/** What `@SingleInstanceCron` resolved when the class was defined. */
export type SingleInstanceCronPlan = ReturnType<typeof planSingleInstanceCron>;

const lockName: OptionCheck = {
  ...nonEmptyString('a non-empty string'),
  then: (where, value) => validateKey(where, value),
};

const cronSpec: OptionSpec = {
  options: {
    name: lockName,
    key: lockName,
    engine: nonEmptyString('the non-empty name of a LockModule registration'),
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
    (where, { lockAtMostFor, ttl, autoExtend }) => {
      // `autoExtend: false` says what lockAtMostFor means anyway.
      const other = ttl !== undefined ? 'ttl' : autoExtend ? 'autoExtend' : undefined;
      if (lockAtMostFor !== undefined && other !== undefined) {
        throw new LockConfigError(
          `${where}: options "lockAtMostFor" and "${other}" exclude each other: lockAtMostFor is the run lock's ttl without auto-extension. Remove one of them.`,
        );
      }
    },
  ],
};

/** Check `@SingleInstanceCron(cronTime, options)` and resolve what each tick needs, once. */
export function planSingleInstanceCron(
  className: string,
  methodName: string,
  cronTime: unknown,
  options: unknown,
) {
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
  // What `@Cron` is given: the options that are not the lock's, and `name` when given.
  const cronOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(given)) {
    if (value !== undefined && !Object.hasOwn(cronSpec.options, name)) cronOptions[name] = value;
  }
  const o = given as SingleInstanceCronLockOptions;
  if (o.name !== undefined) cronOptions['name'] = o.name;
  const { metadata, storeTimeout } = o;
  return {
    label,
    className,
    key: o.key ?? o.name ?? label,
    engine: o.engine ?? DEFAULT_ENGINE_NAME,
    overlap: o.overlap ?? 'skip',
    lockAtLeastFor: o.lockAtLeastFor ?? 0,
    onStoreError: o.onStoreError,
    runOptions: (o.lockAtMostFor !== undefined
      ? { ttl: o.lockAtMostFor, autoExtend: false, metadata, storeTimeout }
      : { ttl: o.ttl, autoExtend: o.autoExtend, metadata, storeTimeout }) satisfies WithLockOptions,
    claimOptions: stripUndefined({ metadata, storeTimeout }),
    ticks: scheduleOf(where, cronTime, cronOptions['timeZone'], cronOptions['utcOffset']),
    cronOptions: cronOptions as CronOptions,
  };
}

/** The schedule; when cron refuses it, the message names the option it refused. */
function scheduleOf(where: string, cronTime: string, timeZone: unknown, utcOffset: unknown) {
  try {
    return new CronTicks(cronTime, timeZone, utcOffset);
  } catch (error) {
    if (error instanceof LockConfigError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const [option, value] =
      timeZone !== undefined ? ['timeZone', timeZone] : ['utcOffset', utcOffset];
    if (value === undefined) {
      throw new LockConfigError(
        `${where}: option "cronTime" must be a valid cron expression, got ${JSON.stringify(cronTime)} (${reason}).`,
      );
    }
    scheduleOf(where, cronTime, undefined, undefined); // Throws if the expression itself is wrong.
    throw new LockConfigError(
      `${where}: option "${option}" is not accepted by cron, got ${JSON.stringify(value)} (${reason}).`,
    );
  }
}
