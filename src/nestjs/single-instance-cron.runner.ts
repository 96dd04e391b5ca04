import { Logger } from '@nestjs/common';
import { findLockEngine } from '../decorators/engine-registry';
import { LockStoreError } from '../engine/errors';
import { DEFAULT_LOCK_NAME } from './lock.constants';
import type { LockRegistration } from './lock-registration';
import { ManagedLockEngine } from './managed-lock-engine';
import type { SingleInstanceJob } from './single-instance-cron.options';

const logger = new Logger('SingleInstanceCron');

/**
 * One firing of a `@SingleInstanceCron` job on this replica: claim the tick, then run the method
 * under the job's run lock, or skip quietly. Errors of the method itself propagate (Nest's
 * scheduler logs them); lock trouble never does.
 */
export function runScheduledTick(
  job: SingleInstanceJob,
  method: (...args: unknown[]) => unknown,
  instance: unknown,
  args: unknown[],
): Promise<unknown> {
  const engine = findLockEngine(job.engine);
  const registration = engine instanceof ManagedLockEngine ? engine.registration : undefined;
  if (!registration) {
    logger.error(
      `${job.label}: tick skipped: no LockModule registration named "${job.engine}" is running. Import LockModule.forRoot({ ${job.engine === DEFAULT_LOCK_NAME ? '' : `name: "${job.engine}", `}redis: ... }).`,
    );
    return Promise.resolve(undefined);
  }
  if (registration.closing) {
    logger.debug(`${job.label}: tick skipped: the application is shutting down.`);
    return Promise.resolve(undefined);
  }
  return registration.engine.inFlight.track(runTick(registration, job, method, instance, args));
}

async function runTick(
  registration: LockRegistration,
  job: SingleInstanceJob,
  method: (...args: unknown[]) => unknown,
  instance: unknown,
  args: unknown[],
): Promise<unknown> {
  const tick = job.ticks.nearest(registration.clock());
  const tickName = `tick ${new Date(tick.at).toISOString()}`;
  const policy = job.onStoreError ?? registration.options.onStoreError ?? 'throw';

  // The claim is never released: a replica that reaches this tick late, even after the run
  // finished, must still find it taken. It expires after one interval (the next tick has its
  // own claim), or lockAtLeastFor if longer.
  let claimed: boolean;
  try {
    const claim = await registration.engine.claim(`${job.key}:tick:${tick.at}`, {
      ttl: Math.max(job.lockAtLeastFor, tick.interval),
      metadata: job.runOptions.metadata,
    });
    claimed = claim !== null;
  } catch (error) {
    if (!(error instanceof LockStoreError)) throw error;
    if (policy !== 'run') {
      logger.error(
        `${job.label}: ${tickName} skipped because the lock store failed: ${error.message}`,
      );
      return undefined;
    }
    logger.warn(
      `${job.label}: ${tickName} runs without its claim because the lock store failed (onStoreError: 'run'): ${error.message}`,
    );
    claimed = true;
  }
  if (!claimed) {
    logger.debug(`${job.label}: ${tickName} skipped: another replica claimed it.`);
    return undefined;
  }

  // With overlap allowed each tick gets its own run lock: still a lock, so that currentLock()
  // and its signal work the same way in both modes.
  const runKey = job.overlap === 'allow' ? `${job.key}:run:${tick.at}` : job.key;
  let started = false;
  try {
    const result = await registration.engine.withLockUncounted(
      runKey,
      () => {
        started = true;
        return method.apply(instance, args);
      },
      { ...job.runOptions, onBusy: 'skip', onStoreError: policy },
    );
    if (!started) {
      logger.debug(`${job.label}: ${tickName} skipped: a previous run still holds "${runKey}".`);
    }
    return result;
  } catch (error) {
    if (started || !(error instanceof LockStoreError)) throw error;
    logger.error(
      `${job.label}: ${tickName} skipped because the lock store failed: ${error.message}`,
    );
    return undefined;
  }
}
