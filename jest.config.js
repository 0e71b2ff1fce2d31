// Jest runs TypeScript as native ESM (the @actions/* packages are ESM-only): swc strips the types,
// Node's VM modules load the result. Imports use the `.js` suffix (NodeNext); map it back to `.ts`.
//
// Two tiers, told apart by file name:
// - unit (`*.test.ts`): no child processes, no Docker, no PostgreSQL, no emulators; the unit setup
//   file makes starting a process throw, so a unit test that needs infrastructure fails loudly;
// - integration (`*.int.test.ts`): bundles run as processes, emulators, Docker, PostgreSQL.
// `npm run test:unit` runs the first, `npm test` both.
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/examples/', '/.local/'],
  // .local/ holds checkouts of the example monorepo (npm run pipeline): keep them out of the module map.
  modulePathIgnorePatterns: ['<rootDir>/.local/'],
};

const roots = ['<rootDir>/{actions,shared,test,local}/**/__tests__/**/', '<rootDir>/test/**/'];

export default {
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: roots.map((r) => `${r}*.test.ts`),
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.int\\.test\\.ts$'],
      setupFilesAfterEnv: ['<rootDir>/test/tiers/unit-setup.cjs'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: roots.map((r) => `${r}*.int.test.ts`),
      testTimeout: 120000,
    },
  ],
};
