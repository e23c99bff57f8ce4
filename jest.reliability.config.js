/**
 * `npm run test:reliability`: fault, outage and load scenarios against the built hub
 * (node dist/src/main.js) and MariaDB. Separate from `npm test`: slower, and it starts and
 * stops servers of its own.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/reliability'],
  testMatch: ['**/*.reliability.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }],
  },
  setupFiles: ['reflect-metadata'],
  testTimeout: 300000,
  maxWorkers: 1,
};
