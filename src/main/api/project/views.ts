/** Store records as the API's plain views. */
import { RESUMABLE_STATUSES, type CircuitRecord, type DatasetRecord, type EditRecord, type ModelRecord, type RunRecord } from '../../store';
import type { CircuitEntry, DatasetEntry, EditEntry, ModelEntry, RunEntry } from '../../../shared/api/projectTypes';

/** Params a job carries for the worker that the UI does not show. */
const HIDDEN_PARAMS = new Set(['items', 'modelDir', 'datasetName', 'graph', 'data', 'momentFiles', 'moment', 'models']);

export function datasetEntry(d: DatasetRecord): DatasetEntry {
  return { id: d.id, name: d.name, task: d.task, itemCount: d.itemCount, contentHash: d.contentHash, createdAt: d.createdAt };
}

export function circuitEntry(c: CircuitRecord): CircuitEntry {
  return { id: c.id, name: c.name, headVersion: c.headVersion, updatedAt: c.updatedAt };
}

export function modelEntry(m: ModelRecord, loadedHash: string | null): ModelEntry {
  return { id: m.id, name: m.name, path: m.path, contentHash: m.contentHash, loaded: m.contentHash === loadedHash };
}

export function editEntry(e: EditRecord): EditEntry {
  return { id: e.id, name: e.name, modelId: e.modelId, createdAt: e.createdAt };
}

/**
 * A job's error in plain words: the worker records a stack trace; people need its first line,
 * without the error class name.
 */
export function plainJobError(error: string | null): string | null {
  if (error === null) return null;
  const first = error.split('\n').find((line) => line.trim() !== '') ?? error;
  return first.replace(/^\s*[A-Za-z]*Error:\s*/, '').trim();
}

export function runEntry(r: RunRecord): RunEntry {
  const params = (r.params && typeof r.params === 'object' && !Array.isArray(r.params) ? r.params : {}) as Record<string, unknown>;
  const options = Object.fromEntries(Object.entries(params).filter(([key]) => !HIDDEN_PARAMS.has(key)));
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    progress: r.progress,
    progressMessage: r.progressMessage,
    options,
    datasetName: typeof params.datasetName === 'string' ? params.datasetName : null,
    createdAt: r.createdAt,
    endedAt: r.endedAt,
    error: plainJobError(r.error),
    resumable: RESUMABLE_STATUSES.includes(r.status),
    hasCheckpoint: r.hasCheckpoint,
  };
}
