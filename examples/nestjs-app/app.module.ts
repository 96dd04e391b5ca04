import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LockModule } from 'lockwarden/nestjs';
import { BillingService } from './billing.service';
import { EXAMPLE_CONFIG, ExampleConfigModule, type ExampleConfig } from './config';
import { HeartbeatJob } from './heartbeat.job';
import { RunLog } from './run-log';

@Module({})
export class AppModule {
  /** The application; `extraProviders` (tests add jobs of their own) can inject `RunLog`. */
  static register(config: ExampleConfig, extraProviders: Provider[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ExampleConfigModule.register(config),
        ScheduleModule.forRoot(),
        LockModule.forRootAsync({
          inject: [EXAMPLE_CONFIG],
          useFactory: (c: ExampleConfig) => ({
            ...(c.store ? { store: c.store } : { redis: c.redisUrl }),
            prefix: c.prefix,
            clock: c.clock,
          }),
        }),
      ],
      providers: [RunLog, HeartbeatJob, BillingService, ...extraProviders],
    };
  }
}
