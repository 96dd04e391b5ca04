import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { currentLock } from 'lockwarden';
import { SingleInstanceCron } from 'lockwarden/nestjs';
import { EXAMPLE_CONFIG, type ExampleConfig } from './config';
import { RunLog } from './run-log';

@Injectable()
export class HeartbeatJob {
  constructor(
    @Inject(EXAMPLE_CONFIG) private readonly config: ExampleConfig,
    private readonly log: RunLog,
  ) {}

  /**
   * Every second, on exactly one replica. Each beat stands alone, so `overlap: 'allow'`: every
   * tick takes its own run lock (`example.heartbeat:run:<scheduled ms>`), and a replica that dies
   * mid-beat blocks no later beat. With the default `'skip'` its run lock would make the next
   * ticks skip until its `ttl` lapsed. A beat is shorter than the interval, so beats do not
   * overlap in practice either.
   */
  @SingleInstanceCron('* * * * * *', { name: 'example.heartbeat', overlap: 'allow', ttl: 1_500 })
  async beat(): Promise<void> {
    const lock = currentLock();
    await this.log.record('heartbeat:start', { lock: lock?.key, fence: lock?.fence });
    // Stop working if the lock is ever lost (the signal aborts).
    await delay(this.config.jobDurationMs, undefined, { signal: lock?.signal });
    await this.log.record('heartbeat:end', { lock: lock?.key, fence: lock?.fence });
  }
}
