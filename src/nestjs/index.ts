// `lockwarden/nestjs`: the NestJS integration. Needs @nestjs/common, @nestjs/core and
// @nestjs/schedule; plain TypeScript users never load it.
export { LockModule } from './lock.module';
export { LockService } from './lock.service';
export { LockHandle } from './lock-handle';
export { InjectLockEngine } from './inject-lock-engine.decorator';
export { InjectLockService } from './inject-lock-service.decorator';
export { SingleInstanceCron } from './single-instance-cron.decorator';
export {
  DEFAULT_SHUTDOWN_TIMEOUT,
  getLockEngineToken,
  getLockModuleOptionsToken,
  getLockServiceToken,
} from './lock.constants';
export type {
  CreateLockOptions,
  LockClock,
  LockInfoResult,
  LockModuleAsyncOptions,
  LockModuleClusterConfig,
  LockModuleForRootOptions,
  LockModuleOptions,
  LockModuleRedisConfig,
  LockModuleRegistration,
  LockModuleSentinelConfig,
  LockOptionsFactory,
  LockServiceWithLockOptions,
  RunWithLockResult,
} from './lock.interfaces';
export type { SingleInstanceCronOptions } from './single-instance-cron.options';
