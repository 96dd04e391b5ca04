import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as root from '../../src';
import * as testing from '../../src/testing';
import pkg from '../../package.json';

describe('public surface', () => {
  it('pins the runtime exports of "lockwarden"', () => {
    expect(Object.keys(root).sort()).toEqual([
      'Lock',
      'LockBusyError',
      'LockConfigError',
      'LockEngine',
      'LockError',
      'LockKeyError',
      'LockLostError',
      'LockNotHeldError',
      'LockStoreError',
      'LockTimeoutError',
      'Locked',
      'MemoryLockStore',
      'RedisLockStore',
      'RedlockStore',
      'configureLocks',
      'currentLock',
      'diagnosticsChannels',
      'escapeKeyValue',
      'unregisterLockEngine',
    ]);
  });

  it('pins the runtime exports of "lockwarden/testing" (lockwarden/nestjs: test/nestjs/exports.test.ts)', () => {
    expect(Object.keys(testing).sort()).toEqual(['lockStoreContract']);
  });

  it('maps ".", "./nestjs" and "./testing" to built files with types; every peer is optional', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual([
      '.',
      './nestjs',
      './package.json',
      './testing',
    ]);
    expect(pkg.peerDependencies.ioredis).toBe('^5 || ^6');
    expect(pkg.peerDependencies.redis).toBe('^5 || ^6');
    expect(pkg.peerDependencies['@valkey/valkey-glide']).toBe('^2');
    // Every peer is optional: a user installs the one Redis client they pass (or none).
    expect(Object.keys(pkg.peerDependenciesMeta).sort()).toEqual(
      Object.keys(pkg.peerDependencies).sort(),
    );
  });

  it('loads "lockwarden" without loading NestJS, and "lockwarden/nestjs" with it', () => {
    const loaded = (entry: string): string =>
      execFileSync(
        process.execPath,
        [
          '-r',
          '@swc-node/register',
          '-e',
          `require(${JSON.stringify(entry)});
           console.log(Object.keys(require.cache).some((p) => p.includes('/@nestjs/')));`,
        ],
        { cwd: join(__dirname, '../..'), encoding: 'utf8' },
      ).trim();
    expect(loaded('./src')).toBe('false');
    expect(loaded('./src/nestjs')).toBe('true');
  });
});
