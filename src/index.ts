export { LockEngine } from './engine/lock-engine';
export { Lock } from './engine/lock';
export { currentLock } from './engine/context';
export type {
  AcquireOptions,
  BusyPolicy,
  ClaimOptions,
  CloseOptions,
  LockEngineOptions,
  LockLogger,
  StoreErrorPolicy,
  WithLockOptions,
} from './engine/options';
export {
  LockError,
  LockBusyError,
  LockTimeoutError,
  LockLostError,
  LockNotHeldError,
  LockConfigError,
  LockKeyError,
  LockStoreError,
} from './engine/errors';
export type { LockErrorCode } from './engine/errors';
export { diagnosticsChannels } from './engine/events';
export type {
  LockEngineEvents,
  LockAcquiredEvent,
  LockContendedEvent,
  LockExtendedEvent,
  LockReleasedEvent,
  LockLostEvent,
  LockErrorEvent,
} from './engine/events';
export type {
  LockStore,
  AcquireResult,
  AcquireManyRequest,
  AcquireManyResult,
  StoreAcquireManyOptions,
  LockInfo,
  ReleaseOptions,
  RenewRequest,
  StoreAcquireOptions,
  StoreGrant,
} from './stores/lock-store';
export { RedisLockStore } from './stores/redis-lock-store';
export type { RedisClient, RedisLockStoreOptions } from './stores/redis-lock-store';
export { MemoryLockStore } from './stores/memory-lock-store';
export type { MemoryLockStoreOptions } from './stores/memory-lock-store';
export { RedlockStore, type RedlockStoreOptions } from './stores/redlock-store';

// decorators
export { Locked } from './decorators/locked.decorator';
export type {
  LockableMethod,
  LockedDecorator,
  LockedMethodCheck,
} from './decorators/locked.decorator';
export type { LockKeyFunction, LockedOptions } from './decorators/locked-options';
export { configureLocks, unregisterLockEngine } from './decorators/engine-registry';
export type { ConfigureLocksOptions } from './decorators/engine-registry';
export { escapeKeyValue } from './decorators/key-escape';
