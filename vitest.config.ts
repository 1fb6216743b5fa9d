import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Model tests are numerical and run on the wasm backend: give them room on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One build of out/ for every test that needs the bundles (browser tests, bundle tests).
    globalSetup: ['test/setup/buildOnce.ts'],
    reporters: ['default', './test/setup/closingLineReporter.ts'],
  },
});
