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
   * Every second, on exactly one replica. A replica that dies mid-run blocks the next runs for at
   * most `ttl` (the run lock is renewed while the run lasts).
   */
  @SingleInstanceCron('* * * * * *', { name: 'example.heartbeat', ttl: 1_500 })
  async beat(): Promise<void> {
    const lock = currentLock();
    await this.log.record('heartbeat:start', { fence: lock?.fence });
    // Stop working if the lock is ever lost (the signal aborts).
    await delay(this.config.jobDurationMs, undefined, { signal: lock?.signal });
    await this.log.record('heartbeat:end');
  }
}
