#!/usr/bin/env node
// Runs the built CLI (out/main/cli.js from `npm run build`): the same code the desktop app and `serve` run.
import { existsSync } from 'node:fs';

const bundle = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(bundle)) {
  console.error('circuit-workbench: out/main/cli.js is missing; build it first with `npm run build`.');
  process.exit(1);
}
const { main, exitAfterFlush } = await import(bundle.href);
// Exit only after piped output drains (a bare process.exit cut --json at 64 KiB).
await exitAfterFlush(await main(process.argv.slice(2)));
