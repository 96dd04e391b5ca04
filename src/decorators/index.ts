export { Locked } from './locked.decorator';
export type { LockableMethod, LockedDecorator, LockedMethodCheck } from './locked.decorator';
export type { LockKeyFunction, LockedBusyPolicy, LockedOptions } from './locked-options';
export { configureLocks, findLockEngine, unregisterLockEngine } from './engine-registry';
export type { ConfigureLocksOptions } from './engine-registry';
export { escapeKeyValue } from './key-escape';
