import type * as NestSchedule from '@nestjs/schedule';
import type * as CronPackage from 'cron';
import { LockConfigError } from '../../engine/errors';

// Optional peers (LockModule, LockService and @Locked work without them), loaded by the first
// @SingleInstanceCron with `require`: the decorator stays synchronous, bundlers see the packages.

/** `@Cron` and `cron`'s `CronTime`, or a `LockConfigError` saying what to install. */
export function loadSchedulePackages(where: string) {
  let name = '@nestjs/schedule';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Cron } = require('@nestjs/schedule') as typeof NestSchedule;
    name = 'cron';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CronTime } = require('cron') as typeof CronPackage;
    return { Cron, CronTime };
  } catch (cause) {
    throw new LockConfigError(
      `${where}: @SingleInstanceCron needs the "${name}" package, which could not be loaded (npm install @nestjs/schedule; LockModule, LockService and @Locked work without it).`,
      { cause },
    );
  }
}
