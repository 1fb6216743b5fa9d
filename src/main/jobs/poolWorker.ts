/**
 * Start a worker of a pool (a POOL_WORKER_ENTRIES entry): the built file beside the main bundle
 * when running from the build, else the TypeScript source through tsx (tests, scripts, the CLI
 * from source).
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { POOL_WORKER_ENTRIES } from './handlers/modules';
import { tsxEsmApiUrl } from './worker-location';

export type PoolWorkerName = keyof typeof POOL_WORKER_ENTRIES;

export function startPoolWorker(name: PoolWorkerName, workerData: unknown): Worker {
  const here = import.meta.url;
  const built = new URL(`./${name}.js`, here);
  if (!/\.[cm]?ts$/.test(here) && fs.existsSync(built)) return new Worker(built, { workerData });
  const source = new URL(`../../../${POOL_WORKER_ENTRIES[name]}`, here); // this file is src/main/jobs/poolWorker.ts
  const spec = `import(${JSON.stringify(tsxEsmApiUrl(here))}).then((m) => { m.register(); return import(${JSON.stringify(source.href)}); });`;
  return new Worker(spec, { eval: true, workerData });
}
