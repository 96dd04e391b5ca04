import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, type Provider } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { currentLock } from '../../../src';
import { SingleInstanceCron } from '../../../src/nestjs';
import { RunLog } from '../../../examples/nestjs-app/run-log';

// The example's heartbeat uses overlap: 'allow'. This job keeps the default, 'skip', so the
// multi-replica test also shows across processes that a run in progress (or a dead replica's run
// lock, until its ttl lapses) makes the next ticks skip.

const SWEEP_DURATION_MS = 'SWEEP_DURATION_MS';

@Injectable()
class SkippingJob {
  constructor(
    @Inject(SWEEP_DURATION_MS) private readonly durationMs: number,
    private readonly log: RunLog,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  // threshold (cron's, via @nestjs/schedule): cron skips a tick whose timer fires more than this
  // late (250 ms by default), on each replica alike, so a loaded machine could leave a second with
  // no run at all. Up to half an interval late, every replica still names the same tick.
  @SingleInstanceCron('* * * * * *', { name: 'test.sweep', ttl: 1_500, threshold: 500 })
  async sweep(): Promise<void> {
    const lock = currentLock();
    // The run lock of overlap: 'skip' does not name the tick; the scheduler's firing time does,
    // as the library names it (nearest scheduled second), however late the run itself starts.
    const firedAt = this.scheduler.getCronJob('test.sweep').lastDate()?.getTime() ?? Date.now();
    const tick = Math.round(firedAt / 1_000) * 1_000;
    await this.log.record('sweep:start', { lock: lock?.key, fence: lock?.fence, tick });
    await delay(this.durationMs, undefined, { signal: lock?.signal });
    await this.log.record('sweep:end', { lock: lock?.key, fence: lock?.fence });
  }
}

/** Providers that add the `test.sweep` job (overlap: 'skip', ttl 1.5 s) to the example app. */
export function skippingJobProviders(durationMs: number): Provider[] {
  return [{ provide: SWEEP_DURATION_MS, useValue: durationMs }, SkippingJob];
}
