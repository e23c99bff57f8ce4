/** Tests run the TypeScript sources directly; type checking is `npm run typecheck`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }],
  },
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
  maxWorkers: 1,
};
