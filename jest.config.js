/** Unit and use-case tests: pure and in-memory, no Postgres or Redis. */
const { moduleNameMapper, transform, transformIgnorePatterns } = require('./test/jest-paths');

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/deploy/**/*.spec.ts'],
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
};
