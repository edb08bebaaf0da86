/** End-to-end tests: the real API (and worker) against real Postgres and Redis. */
const { moduleNameMapper, transform, transformIgnorePatterns } = require('./jest-paths');

module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  globalSetup: '<rootDir>/test/e2e/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/e2e/support/global-teardown.ts',
  testTimeout: 60000,
};
