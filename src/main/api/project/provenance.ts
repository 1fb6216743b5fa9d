/**
 * What a run was computed on (model, dataset, circuit version, backend, timings) and whether
 * each has changed since: the model by content hash, the dataset by its id's current content
 * hash, the circuit by its head version.
 */
import type { RunProvenance } from '../../../shared/api/projectTypes';
import type { ProjectStore, RunRecord } from '../../store';

const paramsOf = (r: RunRecord): Record<string, unknown> => (r.params && typeof r.params === 'object' && !Array.isArray(r.params) ? (r.params as Record<string, unknown>) : {});

function maybe<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

export function runProvenance(store: ProjectStore, run: RunRecord, loadedModelHash: string | null): RunProvenance {
  const params = paramsOf(run);
  const model = run.modelHash === null ? null : { hash: run.modelHash, name: store.models.findByHash(run.modelHash)[0]?.name ?? null, loadedNow: run.modelHash === loadedModelHash };
  let dataset: RunProvenance['dataset'] = null;
  if (run.datasetHash !== null) {
    const id = typeof params.datasetId === 'number' ? params.datasetId : null;
    const now = id === null ? null : maybe(() => store.datasets.get(id));
    dataset = {
      id,
      name: now?.name ?? (typeof params.datasetName === 'string' ? params.datasetName : null),
      hash: run.datasetHash,
      removed: id !== null && now === null,
      changed: now !== null && now.contentHash !== run.datasetHash,
    };
  }
  let circuit: RunProvenance['circuit'] = null;
  if (typeof params.circuitId === 'number' && typeof params.version === 'number') {
    const circuitId = params.circuitId;
    const now = maybe(() => store.circuits.get(circuitId));
    circuit = { id: circuitId, name: now?.name ?? (typeof params.name === 'string' ? params.name : null), version: params.version, headVersion: now?.headVersion ?? null, removed: now === null };
  }
  return { model, dataset, circuit, backend: run.backend, startedAt: run.startedAt, endedAt: run.endedAt, attempts: run.attempts };
}
