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
      'SingleInstanceCron',
      'getLockEngineToken',
      'getLockModuleOptionsToken',
      'getLockServiceToken',
    ]);
  });
});
