#!/usr/bin/env node
// Runs the TypeScript CLI straight from the checkout (tsx compiles it on the fly).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
const { exitAfterFlush } = await import('../src/cli/exit.ts');
await exitAfterFlush(await main(process.argv.slice(2)));
