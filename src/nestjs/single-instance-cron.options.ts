import { LockConfigError } from '../engine/errors';
import {
  optionError,
  stripUndefined,
  validateAcquireOptions,
  validateKey,
  type StoreErrorPolicy,
  type WithLockOptions,
  describeValue,
} from '../engine/options';
import { CronTicks } from './cron-ticks';
import { DEFAULT_LOCK_NAME } from './lock.constants';

/** Options of `@SingleInstanceCron`: the lock's, then those passed on to `@Cron`. */
export interface SingleInstanceCronOptions {
  /**
   * Accepted and ignored: a tick is claimed by one replica and skipped by the others, so
   * nobody waits and there is no queue to be fair in.
   * @default false
   */
  fair?: boolean;
  /**
   * The job's name: the name of its run lock and the prefix of its tick claims, and the name
   * under which `@nestjs/schedule` registers the cron job (`SchedulerRegistry.getCronJob(name)`).
   * @default `${ClassName}.${methodName}` (then the cron job gets a generated name)
   */
  name?: string;
  /**
   * The lock key when it should differ from `name` (e.g. to share a key between two apps on
   * purpose).
   * @default name
   */
  key?: string;
  /**
   * The `LockModule` registration whose engine takes the locks.
   * @default 'default'
   */
  engine?: string;
  /**
   * `'skip'`: a tick that fires while a run is still in progress (on any replica) is skipped.
   * `'allow'`: each tick runs (on one replica) even if the previous run has not finished.
   * @default 'skip'
   */
  overlap?: 'skip' | 'allow';
  /**
   * How long the run lock lives if the replica running the job dies, in ms, as in ShedLock. The
   * lock is then not auto-extended: after this long it expires and the method's
   * `currentLock().signal` aborts. Set it above the job's longest run. Without it the run lock is
   * auto-extended (`ttl`, `autoExtend`), which needs no estimate of the run's length.
   * @default undefined (auto-extended run lock)
   */
  lockAtMostFor?: number;
  /**
   * Keep the tick's claim at least this long, in ms, as in ShedLock. The claim already lives one
   * schedule interval, which is what stops a late replica from running the same tick again;
   * raise this only if replicas' clocks may disagree by more than that.
   * @default 0 (the interval to the next tick)
   */
  lockAtLeastFor?: number;
  /**
   * Time to live of the auto-extended run lock, ms: how long a crashed replica blocks the next
   * runs. Not with `lockAtMostFor`.
   * @default 30_000 (or the module's `defaults.ttl`)
   */
  ttl?: number;
  /**
   * Renewal of the run lock (`true`: every `ttl / 3`). Not with `lockAtMostFor`.
   * @default true (or the module's `defaults.autoExtend`)
   */
  autoExtend?: boolean | { interval: number };
  /**
   * Stored with the claim and the run lock, shown by `inspect`/`getLockInfo`.
   * @default `${hostname}:${pid}`
   */
  metadata?: string;
  /**
   * When Redis fails: `'throw'` skips the tick and logs an error (fail closed); `'run'` runs it
   * anyway, unlocked, and logs a warning (every replica may then run it).
   * @default the module's `onStoreError` ('throw')
   */
  onStoreError?: StoreErrorPolicy;
  /** Passed to `@Cron`: the time zone of the expression (also used to name ticks). */
  timeZone?: string;
  /** Passed to `@Cron`: a UTC offset in minutes instead of `timeZone`. */
  utcOffset?: number;
  /**
   * Passed to `@Cron`: do not schedule the job at all.
   * @default false
   */
  disabled?: boolean;
  /** Passed to `@Cron`: don't keep the process alive for the job's timer. */
  unrefTimeout?: boolean;
  /** Passed to `@Cron`: skip local ticks while this process is still running the job. */
  waitForCompletion?: boolean;
  /** Passed to `@Cron`: how late (ms) a tick may still fire; `cron`'s default is 250. */
  threshold?: number;
  /** Passed to `@Cron`: delay (ms) before the first run after bootstrap. */
  initialDelay?: number;
}

/** What `@SingleInstanceCron` decided when the class was defined. */
export interface SingleInstanceJob {
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
  readonly ticks: CronTicks;
  /** What `@Cron` is given. */
  readonly cronOptions: Record<string, unknown>;
}

const LOCK_OPTION_NAMES = [
  'name',
  'key',
  'engine',
  'overlap',
  'lockAtMostFor',
  'lockAtLeastFor',
  'ttl',
  'autoExtend',
  'metadata',
  'onStoreError',
  'fair',
];
const CRON_OPTION_NAMES = [
  'timeZone',
  'utcOffset',
  'disabled',
  'unrefTimeout',
  'waitForCompletion',
  'threshold',
  'initialDelay',
];
const OPTION_NAMES = [...LOCK_OPTION_NAMES, ...CRON_OPTION_NAMES];

/**
 * Check `@SingleInstanceCron(cronTime, options)` on `className.methodName` and resolve what
 * each tick needs. Throws `LockConfigError` naming the class, the method and the option.
 */
export function planSingleInstanceCron(
  className: string,
  methodName: string,
  cronTime: unknown,
  options: unknown,
): SingleInstanceJob {
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
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new LockConfigError(
      `${where}: the options must be an object, got ${describeValue(options)}.`,
    );
  }
  const o = options as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!OPTION_NAMES.includes(name)) {
      throw new LockConfigError(
        `${where}: unknown option "${name}". Known options: ${OPTION_NAMES.join(', ')}.`,
      );
    }
  }
  const lockOptions: Record<string, unknown> = {};
  for (const name of ['ttl', 'autoExtend', 'metadata', 'onStoreError']) {
    if (o[name] !== undefined) lockOptions[name] = o[name];
  }
  validateAcquireOptions(where, lockOptions);
  // `fair` is an acquire option everywhere (issue 5), so it is accepted here too; it has no
  // effect, since every replica but the one that claims a tick skips it and nobody waits.
  if (o['fair'] !== undefined && typeof o['fair'] !== 'boolean') {
    throw optionError(where, 'fair', 'true or false (it is ignored: ticks never wait)', o['fair']);
  }

  const { name, key, engine = DEFAULT_LOCK_NAME, overlap = 'skip' } = o;
  const { lockAtMostFor, lockAtLeastFor = 0, timeZone, utcOffset } = o;
  for (const [option, value] of [
    ['name', name],
    ['key', key],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0) {
      throw optionError(where, option, 'a non-empty string', value);
    }
    validateKey(where, value);
  }
  if (typeof engine !== 'string' || engine.length === 0) {
    throw optionError(where, 'engine', 'the non-empty name of a LockModule registration', engine);
  }
  if (overlap !== 'skip' && overlap !== 'allow') {
    throw optionError(where, 'overlap', "'skip' or 'allow'", overlap);
  }
  if (!isMs(lockAtLeastFor, 0)) {
    throw optionError(
      where,
      'lockAtLeastFor',
      'an integer number of milliseconds >= 0',
      lockAtLeastFor,
    );
  }
  if (lockAtMostFor !== undefined) {
    if (!isMs(lockAtMostFor, 1)) {
      throw optionError(
        where,
        'lockAtMostFor',
        'a positive integer number of milliseconds',
        lockAtMostFor,
      );
    }
    for (const other of ['ttl', 'autoExtend']) {
      if (o[other] !== undefined && !(other === 'autoExtend' && o[other] === false)) {
        throw new LockConfigError(
          `${where}: options "lockAtMostFor" and "${other}" exclude each other: lockAtMostFor is the run lock's ttl without auto-extension. Remove one of them.`,
        );
      }
    }
  }
  if (timeZone !== undefined && utcOffset !== undefined) {
    throw new LockConfigError(
      `${where}: options "timeZone" and "utcOffset" exclude each other; give one of them.`,
    );
  }
  if (timeZone !== undefined && (typeof timeZone !== 'string' || timeZone.length === 0)) {
    throw optionError(where, 'timeZone', "an IANA time zone such as 'Europe/Paris'", timeZone);
  }
  if (
    utcOffset !== undefined &&
    !(typeof utcOffset === 'number' && Number.isSafeInteger(utcOffset))
  ) {
    throw optionError(where, 'utcOffset', 'an integer number of minutes', utcOffset);
  }
  for (const flag of ['disabled', 'unrefTimeout', 'waitForCompletion']) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') {
      throw optionError(where, flag, 'true or false', o[flag]);
    }
  }
  for (const ms of ['threshold', 'initialDelay']) {
    if (o[ms] !== undefined && !isMs(o[ms], 0)) {
      throw optionError(where, ms, 'an integer number of milliseconds >= 0', o[ms]);
    }
  }

  let ticks: CronTicks;
  try {
    ticks = new CronTicks(cronTime);
  } catch (error) {
    throw new LockConfigError(
      `${where}: option "cronTime" must be a valid cron expression, got ${JSON.stringify(cronTime)} (${reason(error)}).`,
    );
  }
  if (timeZone !== undefined || utcOffset !== undefined) {
    try {
      ticks = new CronTicks(cronTime, timeZone, utcOffset);
    } catch (error) {
      const option = timeZone !== undefined ? 'timeZone' : 'utcOffset';
      throw new LockConfigError(
        `${where}: option "${option}" is not accepted by cron, got ${JSON.stringify(o[option])} (${reason(error)}).`,
      );
    }
  }

  const runOptions: WithLockOptions =
    lockAtMostFor !== undefined
      ? { ttl: lockAtMostFor, autoExtend: false }
      : stripUndefined({
          ttl: o['ttl'] as number | undefined,
          autoExtend: o['autoExtend'] as WithLockOptions['autoExtend'],
        });
  if (o['metadata'] !== undefined) runOptions.metadata = o['metadata'] as string;
  const cronOptions: Record<string, unknown> = {};
  for (const option of CRON_OPTION_NAMES) {
    if (o[option] !== undefined) cronOptions[option] = o[option];
  }
  if (name !== undefined) cronOptions['name'] = name;

  return {
    label,
    className,
    key: (key ?? name ?? label) as string,
    engine,
    overlap,
    lockAtLeastFor: lockAtLeastFor,
    onStoreError: o['onStoreError'] as StoreErrorPolicy | undefined,
    runOptions,
    ticks,
    cronOptions,
  };
}

function isMs(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
