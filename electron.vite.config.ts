/**
 * Three bundles: out/main (ESM, Node deps external: the Electron entry, the CLI, the `serve`
 * server and the job workers, sharing chunks, so all three front doors run the same built code),
 * out/preload (CommonJS, fully bundled: a
 * sandboxed preload can neither load ESM nor require node_modules), out/renderer (the Svelte
 * app; the same files `npm run serve` serves to a browser).
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { workerBuildInputs } from './src/main/jobs/handlers/modules';
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
        // beside index.js, from the list the job registry itself uses (handlers/modules.ts).
        input: {
          index: resolve('src/main/index.ts'),
          cli: resolve('src/cli/index.ts'),
          server: resolve('src/server/index.ts'),
          ...Object.fromEntries(Object.entries(workerBuildInputs()).map(([name, source]) => [name, resolve(source)])),
        },
        external: NATIVE_AND_TFJS,
        // Shared chunks sit beside the entries (not in chunks/): modules that find the worker entry
        // and handler modules by `new URL('./x.js', import.meta.url)` must resolve the same from any chunk.
        output: { chunkFileNames: '[name]-[hash].js' },
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
