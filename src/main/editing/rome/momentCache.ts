/**
 * The key second moment is computed once per model and layer and kept in the project as the
 * result of a run of kind 'rome-covariance' (tensor "C" [M, M], float32; summary names the
 * layer, the model hash and the number of keys).
 */
import type { ProjectStore } from '../../store/project-store';
import type { KeyMoment } from './keys';

export const MOMENT_RUN_KIND = 'rome-covariance';

/** Runs whose results may hold a key moment: cached ones, and ROME jobs that computed theirs. */
const MOMENT_SOURCES = [MOMENT_RUN_KIND, 'edit-rome'];

/** The layers the project holds a moment for (model `modelHash`), each with the result that holds it; one scan of the runs. */
export function cachedMomentLayers(store: ProjectStore, modelHash: string): Map<number, { resultId: number; count: number }> {
  const found = new Map<number, { resultId: number; count: number }>();
  const runs = MOMENT_SOURCES.flatMap((kind) => store.runs.list({ kind, status: 'done' }));
  for (const run of runs) {
    if (run.modelHash !== modelHash) continue;
    for (const meta of store.results.listForRun(run.id)) {
      const s = meta.summary as { kind?: string; layer?: number; count?: number } | null;
      if (s?.kind !== MOMENT_RUN_KIND || s.layer === undefined || found.has(s.layer)) continue;
      found.set(s.layer, { resultId: meta.id, count: s.count ?? 0 });
    }
  }
  return found;
}

/** The moment stored in result `resultId` (tensor "C"). */
export function loadCachedMoment(store: ProjectStore, layer: number, cached: { resultId: number; count: number }): KeyMoment {
  const t = store.results.tensor(cached.resultId, 'C');
  return { layer, c: Float64Array.from(t.data), size: t.shape[0], count: cached.count };
}

export function findCachedMoment(store: ProjectStore, modelHash: string, layer: number): KeyMoment | undefined {
  const cached = cachedMomentLayers(store, modelHash).get(layer);
  return cached ? loadCachedMoment(store, layer, cached) : undefined;
}

/** Record `moment` as a finished run with one result; returns the run id. */
export function cacheMoment(store: ProjectStore, modelHash: string, moment: KeyMoment, corpus: { prompts: number }): number {
  const run = store.runs.create({ kind: MOMENT_RUN_KIND, params: { layer: moment.layer, corpusPrompts: corpus.prompts }, modelHash });
  store.runs.markRunning(run.id);
  store.runs.complete(run.id, [
    {
      name: `C layer ${moment.layer}`,
      summary: { kind: MOMENT_RUN_KIND, layer: moment.layer, count: moment.count, size: moment.size },
      tensors: { C: { shape: [moment.size, moment.size], data: Float32Array.from(moment.c) } },
    },
  ]);
  return run.id;
}
