// Jest runs TypeScript as native ESM (the @actions/* packages are ESM-only): swc strips the types,
// Node's VM modules load the result. Imports use the `.js` suffix (NodeNext); map it back to `.ts`.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/{actions,shared,test,local}/**/__tests__/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/examples/', '/.local/'],
  // .local/ holds checkouts of the example monorepo (npm run pipeline): keep them out of the module map.
  modulePathIgnorePatterns: ['<rootDir>/.local/'],
  testTimeout: 120000,
};
