/**
 * Every module a job worker imports by file: the worker's entry and each handler module. The job
 * registry names handlers only through this list, and electron.vite.config.ts builds one output
 * per entry, so a handler the registry can load is always in the build. Plain data, no imports:
 * the Vite config reads it too.
 */

/** Handler modules, each `src/main/jobs/handlers/<name>.ts` -> `out/main/<name>.js`. */
export const HANDLER_MODULES = ['analysis', 'circuits', 'circuitTools', 'editing', 'compare', 'exportBundle', 'study'] as const;
export type HandlerModuleName = (typeof HANDLER_MODULES)[number];

/** The worker thread's entry, `src/main/jobs/worker-entry.ts` -> `out/main/worker-entry.js`. */
export const WORKER_ENTRY = 'worker-entry';

/** Worker-pool entries started by jobs themselves (output name -> source): analysis/headPatchPool.ts, training/gradientPool.ts. */
export const POOL_WORKER_ENTRIES = { headPatchWorker: 'src/main/analysis/headPatchWorker.ts', gradientWorker: 'src/main/training/gradientWorker.ts' } as const;

/** Build inputs (output name -> source path relative to the repository root) for the main bundle. */
export function workerBuildInputs(): Record<string, string> {
  const inputs: Record<string, string> = { [WORKER_ENTRY]: `src/main/jobs/${WORKER_ENTRY}.ts`, ...POOL_WORKER_ENTRIES };
  for (const name of HANDLER_MODULES) inputs[name] = `src/main/jobs/handlers/${name}.ts`;
  return inputs;
}
