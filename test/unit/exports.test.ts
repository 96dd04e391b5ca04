import * as root from '../../src';
import * as testing from '../../src/testing';
import * as nestjs from '../../src/nestjs';
import pkg from '../../package.json';

describe('public surface', () => {
  it('pins the runtime exports of "lockwarden"', () => {
    expect(Object.keys(root).sort()).toMatchSnapshot();
  });

  it('pins the runtime exports of "lockwarden/testing" and "lockwarden/nestjs"', () => {
    expect(Object.keys(testing).sort()).toEqual(['describeLockStoreContract']);
    expect(Object.keys(nestjs).sort()).toMatchSnapshot();
  });

  it('maps ".", "./nestjs" and "./testing" to built files with types', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual([
      '.',
      './nestjs',
      './package.json',
      './testing',
    ]);
    expect(pkg.peerDependencies.ioredis).toBe('^5 || ^6');
  });
});
