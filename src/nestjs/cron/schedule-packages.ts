import type * as NestSchedule from '@nestjs/schedule';
import type * as Cron from 'cron';
import { LockConfigError } from '../../engine/errors';

// `@nestjs/schedule` and `cron` are optional peers: LockModule, LockService and @Locked work
// without them. They are loaded when the first @SingleInstanceCron is defined, with `require` so
// that the decorator stays synchronous and bundlers still see which package it needs.

/** `@nestjs/schedule`, or a `LockConfigError` saying how to install it. */
export function loadSchedule(where: string): typeof NestSchedule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return load(where, '@nestjs/schedule', () => require('@nestjs/schedule') as typeof NestSchedule);
}

/** `cron` (the package `@nestjs/schedule` fires jobs with), or a `LockConfigError`. */
export function loadCron(where: string): typeof Cron {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return load(where, 'cron', () => require('cron') as typeof Cron);
}

function load<T>(where: string, name: string, loader: () => T): T {
  try {
    return loader();
  } catch (cause) {
    throw new LockConfigError(
      `${where}: @SingleInstanceCron needs the "${name}" package, which could not be loaded (npm install @nestjs/schedule; LockModule, LockService and @Locked work without it).`,
      { cause },
    );
  }
}
