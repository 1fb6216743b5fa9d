/**
 * Head patching over a pool of worker threads (both cores): the layers of a prompt group are
 * split between the workers, balanced by their cost (a head of layer l runs layers l..L-1), and
 * each worker builds its own model on its own backend from one shared read-only copy of the
 * weights (engine/sharedParams.ts). Results equal the in-process path's: each cell is computed by
 * exactly one worker with the same operations.
 *
 * Pool size: `workers` (PatchOptions), else CWB_WORKERS, else the cores not busy right now (the
 * core count less the cores' busy time over a quarter second, at least 1) for models of 20M+
 * parameters, and 1
 * below (smaller models finish before workers would have started). On a machine whose other
 * jobs keep the cores busy, two workers were slower than one (docs/performance.md section 7).
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ModelConfig } from '../engine/config';
import type { HookedGPT2 } from '../engine/model';
import { parameterCount } from '../engine/params';
import { shareParams, type SharedParams } from '../engine/sharedParams';
import { startPoolWorker } from '../jobs/poolWorker';
import type { HeadPatchGroupResult } from './headPatching';
import type { MetricKind } from './metrics';
import { AnalysisError, cancelledError, type Progress } from './progress';
import type { PromptGroup } from './promptBatch';


export interface HeadPatchTask {
  config: ModelConfig;
  params: SharedParams;
  group: PromptGroup;
  direction: 'denoise' | 'noise';
  metric: MetricKind;
  perRun: number;
  layers: number[];
}

export type PoolMessage = { type: 'step'; units: number; cache: boolean } | { type: 'done'; result: HeadPatchGroupResult } | { type: 'error'; message: string };

/** Models below this many parameters run in-process by default. */
const POOL_MIN_PARAMETERS = 20_000_000;

/** Workers to use: the option, else CWB_WORKERS, else by model size and idle cores; at most one per layer. */
export async function headPatchWorkers(config: ModelConfig, requested: number | undefined): Promise<number> {
  const env = process.env.CWB_WORKERS;
  let n = requested;
  if (n === undefined && env !== undefined && env !== '') {
    n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new AnalysisError(`CWB_WORKERS="${env}" must be a whole number of workers, at least 1`);
  }
  if (n === undefined) n = parameterCount(config) >= POOL_MIN_PARAMETERS ? idleCores(os.availableParallelism(), await busyCores()) : 1;
  if (!Number.isInteger(n) || n < 1) throw new AnalysisError(`workers must be a whole number, at least 1 (got ${n})`);
  return Math.min(n, config.nLayer);
}

/** Cores not already busy: the core count less the busy cores, rounded, at least 1. */
export function idleCores(cores: number, busy: number): number {
  return Math.max(1, Math.min(cores, Math.round(cores - busy)));
}

/**
 * How many cores' worth of time other work takes now: busy time over all cores in a `ms` window
 * (os.cpus() counters). Not the 1-minute load average, which still counts this process's own
 * finished work (a load or an earlier job) for a minute and then starves the pool.
 */
export async function busyCores(ms = 250): Promise<number> {
  const sample = () => os.cpus().map((c) => ({ idle: c.times.idle, total: c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle }));
  const before = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = sample();
  let busy = 0;
  after.forEach((a, i) => {
    const total = a.total - before[i].total;
    if (total > 0) busy += 1 - (a.idle - before[i].idle) / total;
  });
  return busy;
}

/** Layers split into `n` lists of about equal cost (layer l costs L - l block runs), largest first. */
export function splitLayers(nLayer: number, n: number): number[][] {
  const parts = Array.from({ length: n }, () => ({ layers: [] as number[], cost: 0 }));
  for (let l = 0; l < nLayer; l++) {
    const least = parts.reduce((a, b) => (b.cost < a.cost ? b : a));
    least.layers.push(l);
    least.cost += nLayer - l;
  }
  return parts.map((p) => p.layers.sort((a, b) => a - b)).filter((p) => p.length > 0);
}

/**
 * Patch every head of one group on `workers` threads. Progress advances as the workers report
 * (the cached runs counted once); cancellation terminates every worker.
 */
export async function patchHeadsInPool(model: HookedGPT2, g: PromptGroup, direction: 'denoise' | 'noise', metric: MetricKind, perRun: number, workers: number, progress: Progress, signal?: AbortSignal): Promise<HeadPatchGroupResult> {
  const L = model.config.nLayer;
  const params = await shareParams(model);
  const threads: Worker[] = [];
  const stopAll = (): void => {
    for (const w of threads) void w.terminate();
  };
  const results = splitLayers(L, workers).map(
    (layers, i) =>
      new Promise<HeadPatchGroupResult>((resolve, reject) => {
        const task: HeadPatchTask = { config: model.config, params, group: g, direction, metric, perRun, layers };
        const w = startPoolWorker('headPatchWorker', task);
        threads.push(w);
        let settled = false;
        const fail = (err: unknown): void => {
          if (settled) return;
          settled = true;
          reject(err instanceof Error ? err : new Error(String(err)));
        };
        w.on('message', (m: PoolMessage) => {
          if (m.type === 'step') {
            if (m.cache && i > 0) return; // the cached runs are counted once, for the first worker
            progress.step(m.units).catch(fail);
          } else if (m.type === 'done') {
            settled = true;
            resolve(m.result);
          } else fail(new AnalysisError(`head-patching worker ${i + 1}: ${m.message}`));
        });
        w.on('error', fail);
        // a worker that cancellation terminated stops too: that is the cancel, not a failure
        w.on('exit', (code) => fail(signal?.aborted ? cancelledError() : new AnalysisError(`head-patching worker ${i + 1} stopped (exit code ${code}) before it finished`)));
      }),
  );
  const onAbort = (): void => stopAll();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const parts = await Promise.all(results);
    const raw = parts[0].raw.map((_, i) => parts.reduce((s, p) => s + p.raw[i], 0)); // each cell is non-zero in one part only
    return { raw, clean: parts[0].clean, corrupted: parts[0].corrupted, runs: parts.reduce((s, p) => s + p.runs, 0) };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stopAll();
  }
}
