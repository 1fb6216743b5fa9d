// Mutation testing (npm run mutate): not part of npm test. See docs/testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: {
    configFile: 'vitest.stryker.config.ts',
    // Only the test files that import the mutated file run for a mutant (and, with perTest
    // coverage, only the tests that reached it).
    related: true,
  },
  coverageAnalysis: 'perTest',
  mutate: ['src/main/engine/**/*.ts', 'src/main/analysis/**/*.ts', 'src/main/circuits/**/*.ts', 'src/main/editing/**/*.ts'],
  // Re-runs only mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // Build outputs and screenshots are not needed by the tests and change under a running build.
  ignorePatterns: ['out', 'dist', 'test-results', '.tmp', 'docs/screenshots', 'reports'],
  concurrency: 2,
  timeoutMS: 60_000,
  // The wasm backend is slow on small machines; a mutant that loops gets killed by the timeout.
  timeoutFactor: 3,
  thresholds: { high: 80, low: 60, break: null },
};
