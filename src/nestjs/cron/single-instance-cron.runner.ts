import { Logger } from '@nestjs/common';
import { DEFAULT_ENGINE_NAME, findLockEngine } from '../../decorators/engine-registry';
import { LockStoreError } from '../../engine/errors';
import { registrationOf, type LockRegistration } from '../lock-registration';
import type { SingleInstanceCronPlan } from './single-instance-cron.options';

// How late (clock skew, a loaded event loop, a slow network) a replica's claim may reach Redis and
// still find the tick taken: it names a tick within half an interval of it, but may claim it later.
const TICK_CLAIM_GRACE = 60_000;

const logger = new Logger('SingleInstanceCron');

/**
 * One firing of a `@SingleInstanceCron` job on this replica: claim the tick, then run the method
 * under the job's run lock, or skip quietly. Errors of the method itself propagate (Nest's
 * scheduler logs them); lock trouble never does.
 */
export function runScheduledTick(
  plan: SingleInstanceCronPlan,
  run: () => unknown,
): Promise<unknown> {
  // The engine registry @Locked uses, so both agree on which engine a name means.
  const registration = registrationOf(findLockEngine(plan.engine));
  if (!registration) {
    logger.error(
      `${plan.label}: tick skipped: no LockModule registration named "${plan.engine}" is running. Import LockModule.forRoot({ ${plan.engine === DEFAULT_ENGINE_NAME ? '' : `name: "${plan.engine}", `}redis: ... }).`,
    );
    return Promise.resolve(undefined);
  }
  if (registration.closing) {
    logger.debug(`${plan.label}: tick skipped: the application is shutting down.`);
    return Promise.resolve(undefined);
  }
  return registration.runTick((started) => runTick(registration, plan, run, started));
}

async function runTick(
  registration: LockRegistration,
  plan: SingleInstanceCronPlan,
  run: () => unknown,
  started: () => void,
): Promise<unknown> {
  const tick = plan.ticks.nearest(registration.options.clock?.() ?? Date.now());
  const tickName = `tick ${new Date(tick.at).toISOString()}`;
  const policy = plan.onStoreError ?? registration.options.onStoreError ?? 'throw';

  const skip = (level: 'debug' | 'error', why: string): undefined =>
    void logger[level](`${plan.label}: ${tickName} skipped${why}`);
  const storeFailed = (error: LockStoreError) =>
    skip('error', ` because the lock store failed: ${error.message}`);
  let claimed: boolean;
  try {
    const claim = await registration.engine.claim(`${plan.key}:tick:${tick.at}`, {
      ttl: Math.max(plan.lockAtLeastFor, tick.interval + TICK_CLAIM_GRACE),
      ...plan.claimOptions,
    });
    claimed = claim !== null;
  } catch (error) {
    if (!(error instanceof LockStoreError)) throw error;
    if (policy !== 'run') return storeFailed(error);
    logger.warn(
      `${plan.label}: ${tickName} runs without its claim because the lock store failed (onStoreError: 'run'): ${error.message}`,
    );
    claimed = true;
  }
  if (!claimed) return skip('debug', ': another replica claimed it.');

  // With overlap allowed each tick gets its own run lock: still a lock, so that currentLock()
  // and its signal work the same way in both modes.
  const runKey = plan.overlap === 'allow' ? `${plan.key}:run:${tick.at}` : plan.key;
  let ran = false;
  try {
    const result = await registration.engine.withLock(
      runKey,
      () => {
        ran = true;
        started();
        return run();
      },
      { ...plan.runOptions, onBusy: 'skip', onStoreError: policy },
    );
    if (!ran) skip('debug', `: a previous run still holds "${runKey}".`);
    return result;
  } catch (error) {
    if (ran || !(error instanceof LockStoreError)) throw error;
    return storeFailed(error);
  }
}
