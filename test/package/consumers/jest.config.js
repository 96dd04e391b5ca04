// @ts-check
// The pack-and-install tests (`npm run test:package`; CI runs them from .ci/run). They install
// from the npm registry into temporary projects, so they are kept out of `npm test`.
const { projects } = require('../../../jest.config.js');

const [{ transform, transformIgnorePatterns, testEnvironment }] = projects;

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../../..',
  displayName: 'package',
  transform,
  transformIgnorePatterns,
  testEnvironment,
  testMatch: ['<rootDir>/test/package/consumers/**/*.test.ts'],
  globalSetup: '<rootDir>/test/package/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/package/support/global-teardown.ts',
  testTimeout: 300_000,
};
