// `lockwarden/nestjs`: the NestJS integration. Needs @nestjs/common and @nestjs/core;
// @nestjs/schedule only where @SingleInstanceCron is used. Plain TypeScript users never load it.
export {
  LockModule,
  getLockEngineToken,
  getLockModuleOptionsToken,
  getLockServiceToken,
} from './lock.module';
export { LockService } from './service/lock.service';
export { LockHandle } from './service/lock-handle';
export { InjectLockEngine, InjectLockService } from './inject.decorators';
export { SingleInstanceCron } from './cron/single-instance-cron.decorator';
// Where Nest users look for them too; the same functions as lockwarden's.
export { Locked } from '../decorators/locked.decorator';
export { currentLock } from '../engine/context';
export { DEFAULT_SHUTDOWN_TIMEOUT } from './lock-registration';
export type {
  LockClock,
  LockModuleAsyncOptions,
  LockModuleClusterConfig,
  LockModuleForRootOptions,
  LockModuleOptions,
  LockModuleRedisConfig,
  LockModuleRegistration,
  LockModuleSentinelConfig,
  LockOptionsFactory,
} from './lock-module.options';
export type {
  CreateLockOptions,
  LockInfoResult,
  LockServiceWithLockOptions,
  RunWithLockResult,
} from './service/lock-service.options';
export type {
  SingleInstanceCronLockOptions,
  SingleInstanceCronOptions,
} from './cron/single-instance-cron.options';
