// @ts-check
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

/** @type {import('jest').Config['projects']} */
const shared = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // @nestjs/* 12 ship ESM only; let swc turn them into CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs)/)'],
  testEnvironment: 'node',
  // Examples import the package by name; test them against src/, never a stale dist/.
  moduleNameMapper: {
    '^lockwarden$': '<rootDir>/src/index.ts',
    '^lockwarden/(nestjs|testing)$': '<rootDir>/src/$1/index.ts',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      slowTestThreshold: 30,
    },
    { ...shared, displayName: 'nestjs', testMatch: ['<rootDir>/test/nestjs/**/*.test.ts'] },
    // Fast checks of the package's own machinery; the pack-and-install tests under
    // test/package/consumers run separately (`npm run test:package`).
    { ...shared, displayName: 'package', testMatch: ['<rootDir>/test/package/*.test.ts'] },
  ],
  testTimeout: 30_000,
  // Most suites wait on Redis, child processes and timers rather than the CPU: three workers on
  // two cores finish in about a third of the time of Jest's default (cores − 1), and the suite
  // must pass under load anyway (npm run test:loaded).
  maxWorkers: 3,
  // Lists, at the end of the run, the suites skipped for want of a redis-server.
  reporters: ['default', '<rootDir>/test/support/redis/skipped-suites-reporter.js'],
};
