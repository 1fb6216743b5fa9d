/**
 * Three bundles: out/main (ESM, Node deps external), out/preload (CommonJS, fully bundled: a
 * sandboxed preload can neither load ESM nor require node_modules), out/renderer (the Svelte
 * app; the same files `npm run serve` serves to a browser).
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/shared/api/csp';

/** Native and TensorFlow.js packages load their binaries (.node, .wasm) at run time: never bundle them. */
const NATIVE_AND_TFJS = ['better-sqlite3', /^@tensorflow\//];

/** Put the production CSP into index.html at build time (the dev server needs inline styles). */
function cspMetaTag(): Plugin {
  return {
    name: 'cwb-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ delivery: 'meta' }) }, injectTo: 'head-prepend' },
    ],
  };
}

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        // Job workers import their entry and handler modules by file: each is its own output
        // beside index.js (see src/main/jobs/worker-location.ts and handlers/index.ts).
        input: {
          index: resolve('src/main/index.ts'),
          'worker-entry': resolve('src/main/jobs/worker-entry.ts'),
          analysis: resolve('src/main/jobs/handlers/analysis.ts'),
          circuits: resolve('src/main/jobs/handlers/circuits.ts'),
          circuitTools: resolve('src/main/jobs/handlers/circuitTools.ts'),
          editing: resolve('src/main/jobs/handlers/editing.ts'),
          compare: resolve('src/main/jobs/handlers/compare.ts'),
          exportBundle: resolve('src/main/jobs/handlers/exportBundle.ts'),
        },
        external: NATIVE_AND_TFJS,
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [svelte(), cspMetaTag()],
    build: {
      rolldownOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
