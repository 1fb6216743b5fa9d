import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import {
  InvalidDataError,
  NoSuchRowError,
  ProjectStore,
  StoreError,
  circuitFromJson,
  circuitToJson,
  datasetContentHash,
  diffCircuitGraphs,
  importProject,
  resultToCsv,
  resultToJson,
} from '../../src/main/store';
import { listDir, makeTempDir, removeDir, sha256File } from './helpers';
import { populate, sampleGraph, type Populated } from './fixtures/populate';

describe('repositories, export and import', () => {
  let dir: string;
  let store: ProjectStore;
  let p: Populated;

  beforeEach(() => {
    dir = makeTempDir();
    store = ProjectStore.open(path.join(dir, 'p.cwb'), { create: true });
    p = populate(store, 20);
  });
  afterEach(() => {
    if (store.isOpen) store.close();
    removeDir(dir);
  });

  it('models: plain and edited models, hash lookup, precise errors', () => {
    const base = store.models.get(p.modelId);
    expect(base).toMatchObject({ name: 'toy', path: '/models/toy', config: { n_layer: 2, n_head: 4 }, baseModelId: null, editId: null });
    const edited = store.models.addEdited({ name: 'toy+rome', baseModelId: p.modelId, editId: p.editId, contentHash: 'ef'.repeat(32), config: base.config });
    expect(edited).toMatchObject({ baseModelId: p.modelId, editId: p.editId });
    expect(store.models.findByHash('ef'.repeat(32)).map((m) => m.id)).toEqual([edited.id]);
    expect(() => store.models.add({ name: 'x', contentHash: 'not-hex', config: {} })).toThrow(/contentHash must be a lowercase hex digest/);
    const other = store.models.add({ name: 'other', contentHash: '12'.repeat(32), config: {} });
    expect(() => store.models.addEdited({ name: 'bad', baseModelId: other.id, editId: p.editId, contentHash: '34'.repeat(32), config: {} })).toThrow(/was made on model 1, not on base model/);
    // The base cannot be deleted while an edited model derives from it.
    expect(() => store.models.remove(p.modelId)).toThrow(/FOREIGN KEY/);
  });

  it('datasets: items round-trip, the hash depends on content only, bad items name row and field', () => {
    const ds = store.datasets.get(p.datasetId);
    expect(ds.itemCount).toBe(20);
    const items = store.datasets.items(p.datasetId);
    expect(items[7]).toEqual({
      clean: 'When Mary and John went to the store number 7, John gave a drink to',
      corrupted: 'When Alice and Bob went to the store number 7, Carol gave a drink to',
      correct: ' Mary',
      incorrect: ' John',
      template: 'BABA',
      extra: { i: 7 },
    });
    expect(store.datasets.items(p.datasetId, { offset: 18, limit: 5 })).toHaveLength(2);
    expect(datasetContentHash('ioi', items)).toBe(ds.contentHash);
    const copy = store.datasets.create({ name: 'copy', task: 'ioi', items });
    expect(copy.contentHash).toBe(ds.contentHash);
    const changed = store.datasets.create({ name: 'changed', task: 'ioi', items: [{ ...items[0], correct: ' John' }, ...items.slice(1)] });
    expect(changed.contentHash).not.toBe(ds.contentHash);
    expect(() => store.datasets.create({ name: 'bad', task: 'ioi', items: [items[0], { clean: 'x', correct: 3 as unknown as string }] })).toThrow(
      'dataset "bad" items[1].correct: must be a string, got 3',
    );
    expect(store.datasets.findByName('bad')).toBeUndefined();
    expect(() => store.datasets.create({ name: 'copy', task: 'ioi', items })).toThrow(/already exists/);
  });

  it('circuits: every save is a version; revert appends the old graph; versions compare', () => {
    const c = store.circuits.get(p.circuitId);
    expect(c.headVersion).toBe(2);
    expect(store.circuits.versions(c.id).map((v) => [v.version, v.parentVersion, v.message])).toEqual([
      [1, null, null],
      [2, 1, 'rescored'],
    ]);
    const trimmed = sampleGraph(0.7);
    trimmed.nodes = trimmed.nodes.filter((n) => n.id !== 'm0');
    trimmed.edges = trimmed.edges.filter((e) => e.source !== 'm0' && e.target !== 'm0');
    const v3 = store.circuits.save(c.id, trimmed, { message: 'drop m0' });
    const v4 = store.circuits.revert(c.id, 1);
    expect(store.circuits.get(c.id).headVersion).toBe(v4);
    expect(store.circuits.version(c.id).graph).toEqual(sampleGraph(0.5));
    expect(store.circuits.version(c.id, v4).parentVersion).toBe(1);
    const diff = diffCircuitGraphs(store.circuits.version(c.id, 2).graph, store.circuits.version(c.id, v3).graph);
    expect(diff).toEqual({ addedNodes: [], removedNodes: ['m0'], addedEdges: [], removedEdges: ['embed->m0', 'm0->logits'], changedEdgeScores: [] });
    expect(diffCircuitGraphs(store.circuits.version(c.id, 1).graph, store.circuits.version(c.id, 2).graph).changedEdgeScores).toEqual([{ edge: 'a0.h1->logits', a: 0.5, b: 0.7 }]);
    const bad = sampleGraph();
    bad.edges.push({ source: 'a0.h1', target: 'nowhere' });
    expect(() => store.circuits.save(c.id, bad)).toThrow('circuit 1: edges[5].target "nowhere" is not a node of the graph');
    expect(store.circuits.get(c.id).headVersion).toBe(v4);
  });

  it('edits: deltas round-trip bit-exactly with their shapes', () => {
    const e = store.edits.get(p.editId);
    expect(e.deltas).toEqual([{ param: 'h.1.mlp.c_proj.weight', dtype: 'float32', shape: [4, 2] }]);
    const d = store.edits.deltas(p.editId).get('h.1.mlp.c_proj.weight')!;
    expect(Array.from(d.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => store.edits.create({ modelId: p.modelId, name: 'x', spec: {}, deltas: { w: { shape: [3, 3], data: new Float32Array(8) } } })).toThrow(
      'model edit "x" delta "w": shape [3, 3] holds 9 elements but the data has 8',
    );
  });

  it('notes: attach to objects, follow them when deleted, refuse missing targets', () => {
    const n = store.notes.add({ body: 'run looks odd', target: { kind: 'run', id: p.runId } });
    store.notes.update(n.id, 'run looks fine');
    expect(store.notes.get(n.id).body).toBe('run looks fine');
    expect(() => store.notes.add({ body: 'x', target: { kind: 'run', id: 999 } })).toThrow(NoSuchRowError);
    store.runs.remove(p.runId);
    expect(() => store.notes.get(n.id)).toThrow(NoSuchRowError);
    expect(store.notes.list()).toHaveLength(1);
  });

  it('runs: complete writes results and done together; a run no longer running gets no result', () => {
    const run = store.runs.create({ kind: 'acdc', params: { tau: 0.1 } });
    expect(store.runs.complete(run.id, [{ summary: 1 }])).toBe(false);
    store.runs.markRunning(run.id);
    store.runs.cancel(run.id);
    expect(store.runs.complete(run.id, [{ summary: 1 }])).toBe(false);
    expect(store.results.listForRun(run.id)).toEqual([]);
    // A bad tensor aborts the whole completion: still running, no partial result rows.
    store.runs.requeue(run.id);
    store.runs.markRunning(run.id);
    expect(() => store.runs.complete(run.id, [{ name: 'a', summary: 1, tensors: { ok: new Float32Array(2) } }, { name: 'b', summary: 2, tensors: { bad: { shape: [3], data: new Float32Array(2) } } }])).toThrow(InvalidDataError);
    expect(store.runs.get(run.id).status).toBe('running');
    expect(store.results.listForRun(run.id)).toEqual([]);
    expect(store.runs.list({ status: 'running' }).map((r) => r.id)).toEqual([run.id]);
  });

  it('a circuit exports to JSON and imports back as an equal circuit', () => {
    const doc = JSON.parse(JSON.stringify(circuitToJson(store, p.circuitId)));
    expect(doc).toMatchObject({ format: 'circuit-workbench/circuit@1', name: 'IOI', version: 2, modelHash: 'ab'.repeat(32) });
    const copy = circuitFromJson(store, doc, { modelId: p.modelId });
    expect(store.circuits.version(copy.id).graph).toEqual(store.circuits.version(p.circuitId).graph);
    expect(() => circuitFromJson(store, { ...doc, format: 'x' })).toThrow(/"format" must be "circuit-workbench\/circuit@1"/);
  });

  it('a result exports to JSON and to CSV (long form, values read back exactly as float32)', () => {
    const json = resultToJson(store, p.resultId);
    expect(json.run).toMatchObject({ kind: 'patching', params: { layer: 3 }, backend: 'cpu' });
    expect(json.tensors.effect.shape).toEqual([100, 300]);
    expect(json.tensors.effect.data).toEqual(Array.from(p.tensor));
    const csv = resultToCsv(store, p.resultId).trim().split('\n');
    expect(csv[0]).toBe('tensor,i0,i1,value');
    expect(csv).toHaveLength(1 + 30_000);
    // Row for element [37, 123] is at 1 + 37*300 + 123.
    const [name, i0, i1, value] = csv[1 + 37 * 300 + 123].split(',');
    expect([name, i0, i1]).toEqual(['effect', '37', '123']);
    expect(Math.fround(Number(value))).toBe(p.tensor[37 * 300 + 123]);
    expect(() => resultToCsv(store, p.resultId, { tensor: 'nope' })).toThrow('result 1: has no tensor "nope" (it has: effect)');
    const run = store.runs.create({ kind: 'metric', params: {} });
    store.runs.markRunning(run.id);
    store.runs.complete(run.id, [{ summary: { logitDiff: 2.5, note: 'a,b' } }]);
    const summaryOnly = store.results.listForRun(run.id)[0].id;
    expect(resultToCsv(store, summaryOnly)).toBe('key,value\nlogitDiff,2.5\nnote,"a,b"\n');
  });

  it('exports the whole project while open; the copy opens elsewhere, and imports as a new project', () => {
    const exported = path.join(dir, 'export.cwb');
    store.exportTo(exported);
    expect(() => store.exportTo(exported)).toThrow(StoreError);
    // The live project keeps working after the export.
    store.notes.add({ body: 'after export' });
    const copy = ProjectStore.open(exported);
    expect(copy.report.check).toBe('integrity_check');
    expect(copy.circuits.version(p.circuitId).graph).toEqual(store.circuits.version(p.circuitId).graph);
    expect(Array.from(copy.results.tensor(p.resultId, 'effect').data)).toEqual(Array.from(p.tensor));
    expect(copy.notes.list().map((n) => n.body)).not.toContain('after export');
    copy.close();
    const exportedHash = sha256File(exported);
    const imported = importProject(exported, path.join(dir, 'imported.cwb'));
    expect(imported.datasets.list().map((d) => d.name)).toEqual(['ioi-small']);
    imported.close();
    expect(sha256File(exported)).toBe(exportedHash);
    expect(listDir(dir)).toEqual(['export.cwb', 'imported.cwb', 'p.cwb', 'p.cwb-shm', 'p.cwb-wal']);
    expect(fs.existsSync(path.join(dir, 'export.cwb-wal'))).toBe(false);
  });
});
