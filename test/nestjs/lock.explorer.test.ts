import { Injectable, Scope } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Locked, MemoryLockStore } from '../../src';
import { LockModule, SingleInstanceCron } from '../../src/nestjs';
import { startApp } from '../support/nest/test-app';

@Injectable({ scope: Scope.REQUEST })
class PerRequest {
  @SingleInstanceCron('0 0 * * * *')
  async nightly(): Promise<void> {}

  @Locked({ key: 'per-request' })
  async guarded(): Promise<void> {}
}

@Injectable()
class Billing {
  @SingleInstanceCron('0 */5 * * * *', { key: 'sweep' })
  async sweep(): Promise<void> {}

  @SingleInstanceCron('0 0 * * * *', { name: 'billing.report', engine: 'reports' })
  async report(): Promise<void> {}
}

@Injectable()
class Invoices {
  @SingleInstanceCron('0 */5 * * * *', { key: 'sweep' })
  async sweep(): Promise<void> {}
}

@Injectable()
class Solo {
  @SingleInstanceCron('0 0 * * * *')
  async run(): Promise<void> {}
}

describe('LockExplorer (start-up warnings through Logger)', () => {
  const start = (providers: unknown[]) =>
    startApp({
      imports: [
        ScheduleModule.forRoot(),
        LockModule.forRoot({ store: new MemoryLockStore() }),
        LockModule.forRoot({ name: 'reports', store: new MemoryLockStore() }),
      ],
      providers: providers as never[],
    });

  it('warns about @SingleInstanceCron on a request-scoped provider', async () => {
    const app = await start([PerRequest]);
    expect(app.logs.messages('warn', 'LockModule')).toContain(
      '@SingleInstanceCron on PerRequest.nightly: "PerRequest" is request-scoped (or depends on a request-scoped provider), so @nestjs/schedule never runs this job. Make the provider a singleton.',
    );
  });

  it('warns about @Locked on a request-scoped provider', async () => {
    const app = await start([PerRequest]);
    expect(app.logs.messages('warn', 'LockModule')).toContain(
      '@Locked on PerRequest.guarded: "PerRequest" is request-scoped (or depends on a request-scoped provider), so a new instance serves every request: the lock still serialises calls across replicas, but instance state is not shared between them. Lock on a key derived from the arguments, or make the provider a singleton.',
    );
  });

  it('warns when two jobs share a lock key, on the engine they use', async () => {
    const app = await start([Billing, Invoices, Solo, { provide: 'SoloAgain', useClass: Solo }]);
    expect(app.logs.messages('warn', 'LockModule').sort()).toEqual([
      '@SingleInstanceCron jobs Billing.sweep and Invoices.sweep share the lock key "sweep": each tick runs only one of them, and a run of one makes the other skip. Give each job its own "name" (or "key").',
      '@SingleInstanceCron jobs Solo.run and Solo.run (provider "SoloAgain") share the lock key "Solo.run": each tick runs only one of them, and a run of one makes the other skip. Give each job its own "name" (or "key").',
    ]);
    // Billing.report uses the "reports" engine alone: nothing to say there.
    expect(app.logs.messages('warn', 'LockModule:reports')).toEqual([]);
  });

  it('says nothing about a healthy application', async () => {
    const app = await start([Billing, Solo]);
    expect(app.logs.messages('warn')).toEqual([]);
  });
});
