import * as root from '../../src';
import * as nestjs from '../../src/nestjs';

describe('"lockwarden/nestjs" public surface', () => {
  it('exports exactly these runtime names', () => {
    expect(Object.keys(nestjs).sort()).toEqual([
      'DEFAULT_SHUTDOWN_TIMEOUT',
      'InjectLockEngine',
      'InjectLockService',
      'LockHandle',
      'LockModule',
      'LockService',
      'Locked',
      'SingleInstanceCron',
      'currentLock',
      'getLockEngineToken',
      'getLockModuleOptionsToken',
      'getLockServiceToken',
    ]);
  });

  it('exports the same Locked and currentLock as "lockwarden"', () => {
    expect(nestjs.Locked).toBe(root.Locked);
    expect(nestjs.currentLock).toBe(root.currentLock);
  });
});
