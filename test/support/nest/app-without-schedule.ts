// A small Nest application using LockModule, LockService and @Locked, run by
// test/nestjs/without-schedule.test.ts in a process where @nestjs/schedule and cron cannot be
// loaded. Prints one JSON line with what worked.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MemoryLockStore } from '../../../src';
import {
  currentLock,
  Locked,
  LockModule,
  LockService,
  SingleInstanceCron,
} from '../../../src/nestjs';

@Injectable()
class Billing {
  @Locked({ key: (id: string) => `invoice:${id}` })
  async charge(_id: string): Promise<string | undefined> {
    return currentLock()?.key;
  }
}

@Module({ imports: [LockModule.forRoot({ store: new MemoryLockStore() })], providers: [Billing] })
class AppModule {}

const loaded = (name: string): boolean =>
  Object.keys(require.cache).some((path) => path.includes(`/node_modules/${name}/`));

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const locked = await app.get(Billing).charge('7');
  const service = await app.get(LockService).withLock('report', () => 'ran');
  await app.close();
  let cron: string | undefined;
  try {
    class Jobs {
      @SingleInstanceCron('* * * * * *')
      async tick(): Promise<void> {}
    }
    cron = `defined ${Jobs.name}`;
  } catch (error) {
    cron = `${(error as Error).name}: ${(error as Error).message}`;
  }
  console.log(
    JSON.stringify({
      locked,
      service,
      cron,
      scheduleLoaded: loaded('@nestjs/schedule'),
      cronLoaded: loaded('cron'),
    }),
  );
}

void main();
