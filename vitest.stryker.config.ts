import { defineConfig } from 'vitest/config';

/**
 * The test set StrykerJS runs against each mutant: the numerical suites of the mutated folders
 * (engine, analysis, circuits, editing). No browser build (no globalSetup), no closing-line
 * reporter, one fork per file as in vitest.config.ts.
 */
// STRYKER_TESTS=test/engine,test/analysis narrows the set for a scoped run on a small machine.
const folders = (process.env.STRYKER_TESTS ?? 'test/engine,test/analysis,test/circuits,test/editing').split(',');

export default defineConfig({
  test: {
    include: folders.map((f) => `${f.replace(/\/$/, '')}/**/*.test.ts`),
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
