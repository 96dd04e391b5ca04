import type * as NestSchedule from '@nestjs/schedule';
import type * as CronPackage from 'cron';
import { LockConfigError } from '../../engine/errors';

// `@nestjs/schedule` and `cron` are optional peers: LockModule, LockService and @Locked work
// without them. They are loaded when the first @SingleInstanceCron is defined, with `require` so
// that the decorator stays synchronous and bundlers still see which packages it needs.

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
