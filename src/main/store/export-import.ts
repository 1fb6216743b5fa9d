/**
 * Moving data in and out of a project: import a whole project file, a circuit as JSON,
 * and any result as JSON or CSV. (Whole-project export is ProjectStore.exportTo.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidDataError, StoreError } from './errors';
import { projectPathKind } from './openChecks';
import { probeProjectFile, withReadOnlyConnection } from './probe';
import { ProjectStore, writeConsistentCopy, type OpenOptions } from './project-store';
import type { CircuitGraph } from './repos/circuit-graph';
import type { CircuitRecord } from './repos/circuits';
import type { StoredTensor } from './tensors';
import type { Json } from './values';

export const CIRCUIT_JSON_FORMAT = 'circuit-workbench/circuit@1';
export const RESULT_JSON_FORMAT = 'circuit-workbench/result@1';

/**
 * Copy the project at `source` to `dest` and open the copy (migrating it if it is older).
 * The source is only read (checked first, then copied from one read snapshot), so a project
 * open elsewhere can be imported too.
 */
export function importProject(source: string, dest: string, opts: Omit<OpenOptions, 'create'> = {}): ProjectStore {
  const src = path.resolve(source);
  const abs = path.resolve(dest);
  // stat only: a FIFO or device as the source would block the header read forever.
  if (projectPathKind(src) === 'missing') throw new StoreError('NOT_FOUND', `${src}: no such file to import`, src);
  if (fs.existsSync(abs) || fs.lstatSync(abs, { throwIfNoEntry: false })) throw new StoreError('EXISTS', `${abs}: already exists; choose another file name for the imported project`, abs);
  probeProjectFile(src, { integrity: opts.integrity, busyTimeoutMs: opts.busyTimeoutMs });
  withReadOnlyConnection(src, opts.busyTimeoutMs ?? 2000, (reader) => writeConsistentCopy(reader, abs));
  return ProjectStore.open(abs, opts);
}

export interface CircuitJson {
  format: typeof CIRCUIT_JSON_FORMAT;
  name: string;
  version: number;
  modelHash: string | null;
  graph: CircuitGraph;
}

/** A circuit version (default: head) as a self-contained JSON document. */
export function circuitToJson(store: ProjectStore, circuitId: number, version?: number): CircuitJson {
  const circuit = store.circuits.get(circuitId);
  const v = store.circuits.version(circuitId, version);
  const modelHash = circuit.modelId === null ? null : store.models.get(circuit.modelId).contentHash;
  return { format: CIRCUIT_JSON_FORMAT, name: circuit.name, version: v.version, modelHash, graph: v.graph };
}

/** Create a circuit from a document circuitToJson wrote. `modelId` links it to a model of this project. */
export function circuitFromJson(store: ProjectStore, doc: unknown, opts: { modelId?: number; name?: string } = {}): CircuitRecord {
  const d = doc as Partial<CircuitJson> | null;
  if (!d || typeof d !== 'object') throw new InvalidDataError('circuit JSON: expected an object');
  if (d.format !== CIRCUIT_JSON_FORMAT) throw new InvalidDataError(`circuit JSON: "format" must be "${CIRCUIT_JSON_FORMAT}", got ${JSON.stringify(d.format)}`);
  if (typeof d.name !== 'string') throw new InvalidDataError('circuit JSON: "name" must be a string');
  return store.circuits.create({ name: opts.name ?? d.name, graph: d.graph as CircuitGraph, modelId: opts.modelId, message: `imported from JSON (version ${String(d.version)})` });
}

export interface ResultJson {
  format: typeof RESULT_JSON_FORMAT;
  run: { id: number; kind: string; params: Json; modelHash: string | null; datasetHash: string | null; backend: string | null };
  name: string;
  summary: Json;
  tensors: Record<string, { dtype: string; shape: number[]; data: number[] }>;
}

export function resultToJson(store: ProjectStore, resultId: number): ResultJson {
  const r = store.results.get(resultId);
  const run = store.runs.get(r.runId);
  const tensors: ResultJson['tensors'] = {};
  for (const [name, t] of r.tensors) tensors[name] = { dtype: t.dtype, shape: t.shape, data: Array.from(t.data) };
  return {
    format: RESULT_JSON_FORMAT,
    run: { id: run.id, kind: run.kind, params: run.params, modelHash: run.modelHash, datasetHash: run.datasetHash, backend: run.backend },
    name: r.name,
    summary: r.summary,
    tensors,
  };
}

/**
 * A result as CSV in long form: `tensor,i0,i1,...,value`, one row per element (indices
 * row-major; blank index columns for lower-rank tensors). A result without tensors becomes
 * `key,value` rows of its flattened summary.
 */
export function resultToCsv(store: ProjectStore, resultId: number, opts: { tensor?: string } = {}): string {
  const r = store.results.get(resultId);
  let tensors = [...r.tensors.entries()];
  if (opts.tensor !== undefined) {
    const t = r.tensors.get(opts.tensor);
    if (!t) throw new InvalidDataError(`result ${resultId}: has no tensor "${opts.tensor}" (it has: ${[...r.tensors.keys()].join(', ') || 'none'})`);
    tensors = [[opts.tensor, t]];
  }
  if (tensors.length === 0) return summaryCsv(r.summary);
  const rank = Math.max(...tensors.map(([, t]) => t.shape.length));
  const lines = [['tensor', ...Array.from({ length: rank }, (_, i) => `i${i}`), 'value'].join(',')];
  for (const [name, t] of tensors) appendTensorRows(lines, csvField(name), t, rank);
  return `${lines.join('\n')}\n`;
}

function appendTensorRows(lines: string[], name: string, t: StoredTensor, rank: number): void {
  const idx = new Array<number>(t.shape.length).fill(0);
  const pad = new Array<string>(rank - t.shape.length).fill('');
  for (let flat = 0; flat < t.data.length; flat++) {
    lines.push([name, ...idx, ...pad, formatNumber(t.data[flat])].join(','));
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
}

function summaryCsv(summary: Json): string {
  const rows: string[] = ['key,value'];
  const walk = (v: Json, key: string) => {
    if (v !== null && typeof v === 'object') {
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
      for (const [k, x] of entries) walk(x, key ? `${key}.${k}` : k);
    } else rows.push(`${csvField(key)},${csvField(String(v))}`);
  };
  walk(summary, '');
  return `${rows.join('\n')}\n`;
}

/** Shortest text that reads back to the same float32 value. */
function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  for (let p = 6; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === Math.fround(x)) return String(Number(s));
  }
  return String(x);
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
