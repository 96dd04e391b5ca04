// `lockwarden/nestjs`: the NestJS integration. Needs @nestjs/common and @nestjs/core;
// @nestjs/schedule only where @SingleInstanceCron is used. Plain TypeScript users never load it.
export { LockModule } from './lock.module';
export { LockService } from './service/lock.service';
export { LockHandle } from './service/lock-handle';
export { InjectLockEngine } from './inject-lock-engine.decorator';
export { InjectLockService } from './inject-lock-service.decorator';
export { SingleInstanceCron } from './cron/single-instance-cron.decorator';
// Where Nest users look for them too; the same functions as lockwarden's.
export { Locked } from '../decorators/locked.decorator';
export { currentLock } from '../engine/context';
export {
  DEFAULT_SHUTDOWN_TIMEOUT,
  getLockEngineToken,
  getLockModuleOptionsToken,
  getLockServiceToken,
} from './lock.constants';
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
