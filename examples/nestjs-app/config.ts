import { Module, type DynamicModule } from '@nestjs/common';
import type { LockStore } from 'lockwarden';
import type { RunRecord } from './run-log';

/** What the example application needs to know; from the environment in `main.ts`. */
export interface ExampleConfig {
  /**
   * Where the locks and the run log live. Leave it out only when `store` is given: the locks then
   * live in that store, and run records go to `onRecord` alone.
   * @default undefined (`configFromEnv` reads REDIS_URL, default redis://127.0.0.1:6379)
   */
  redisUrl?: string;
  /**
   * A lock store to use instead of Redis (the demo's single-process variant passes one).
   * @default undefined (a RedisLockStore on `redisUrl`)
   */
  store?: LockStore;
  /** Key prefix of the locks, so several demos can share one Redis. */
  prefix: string;
  /** Names this replica in the run log. */
  replica: string;
  /** Redis list the heartbeat job and the billing service append their runs to. */
  runLogKey: string;
  /** How long one heartbeat run takes, ms (keep it below the 1 s interval). */
  jobDurationMs: number;
  /**
   * This replica's clock (tests simulate skew with it).
   * @default Date.now
   */
  clock?: () => number;
  /**
   * Called with every run record once it is logged, with its 1-based position in the Redis list
   * (`undefined` without Redis). The demo streams records to its parent this way.
   * @default undefined (records only go to Redis)
   */
  onRecord?: (record: RunRecord, position: number | undefined) => void;
}

/** Injection token of the {@link ExampleConfig}. */
export const EXAMPLE_CONFIG = 'EXAMPLE_CONFIG';

/** Read the configuration from environment variables (see README.md). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  return {
    redisUrl: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    prefix: env['LOCK_PREFIX'] ?? 'demo',
    replica: env['REPLICA'] ?? `pid-${process.pid}`,
    runLogKey: env['RUN_LOG_KEY'] ?? 'demo:runs',
    jobDurationMs: Number(env['JOB_DURATION_MS'] ?? 200),
  };
}

/** Provides the configuration to the application, like `ConfigModule` would. */
@Module({})
export class ExampleConfigModule {
  static register(config: ExampleConfig): DynamicModule {
    return {
      module: ExampleConfigModule,
      global: true,
      providers: [{ provide: EXAMPLE_CONFIG, useValue: config }],
      exports: [EXAMPLE_CONFIG],
    };
  }
}
