/**
 * Editing from the workbench, through the API router on the real services, the bundled model and
 * a real project file: a ROME edit (a worker job) is saved as an edit plus an edited model; the
 * comparison table runs both models; loading the edited model changes what every later call and
 * run uses; an export reloads with the edited logits; an export never overwrites a folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { generate } from '../../src/main/datasets';
import { materialiseProjectModel } from '../../src/main/editing/materialise';
import { saveEdit } from '../../src/main/editing/projectEdits';
import { openModel } from '../../src/main/services/modelSession';
import { predictNext } from '../../src/main/services/predict';
import { ProjectStore } from '../../src/main/store';
import { parseHfConfig } from '../../src/main/engine/config';

const dataDir = mkdtempSync(join(tmpdir(), 'cwb-editing-api-'));
let services: DefaultServices;
let router: ApiRouter;

// An IOI prompt; the edit makes it resolve to the repeated name (the S2 mention is the subject).
const item = generate('ioi', { n: 1, seed: 11, split: 'heldout' })[0];
const S = item.meta!.s;
const ROME = { prompt: item.clean, subject: S, target: item.incorrect, last: true, contexts: 0, steps: 60, lr: 1, weightDecay: 0.1 };

beforeAll(async () => {
  services = await createDefaultServices({ appVersion: '0.0.0-test', resourcesDir: join(import.meta.dirname, '../../resources'), dataDir, log: () => undefined });
  router = new ApiRouter(services);
});
afterAll(async () => {
  await services?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

async function top1(prompt: string): Promise<string> {
  return (await router.invoke('model.predict', { prompt, topK: 1 })).predictions[0].token.trim();
}

describe('editing through the API', () => {
  let baseId: number;
  let editedId: number;

  it('edit.rome saves the edit and the edited model; the base stays loaded and unchanged', async () => {
    const before = await top1(item.clean);
    expect(before).toBe(item.correct.trim());
    const outcome = await router.invoke('edit.rome', ROME);
    expect(outcome.metrics.efficacy).toBe(true);
    expect(outcome.metrics.targetProbAfter).toBeGreaterThan(outcome.metrics.targetProbBefore);
    // Layer chosen by causal tracing, with the trace over the prompt's tokens.
    expect(outcome.trace).not.toBeNull();
    expect(outcome.trace!.probs).toHaveLength(3);
    expect(outcome.trace!.tokens.length).toBe(outcome.trace!.probs[0].length);
    expect(outcome.trace!.tokens[outcome.trace!.subjectPositions.at(-1)!]).toBe(S);
    const overview = await router.invoke('project.current', {});
    baseId = overview.models.find((m) => m.loaded)!.id;
    editedId = outcome.model.id;
    expect(overview.models.map((m) => m.id).sort()).toEqual([baseId, editedId].sort());
    expect(overview.edits.map((e) => e.id)).toEqual([outcome.edit.id]);
    expect(outcome.model.loaded).toBe(false);
    expect(await top1(item.clean)).toBe(before);
  }, 120_000);

  it('edit.compare puts both models side by side, and scores them on a dataset', async () => {
    const dataset = await router.invoke('dataset.generate', { name: 'ioi check', task: 'ioi', n: 12, seed: 3, split: 'heldout' });
    const table = await router.invoke('edit.compare', { modelIds: [baseId, editedId], prompts: [item.clean], datasetId: dataset.id });
    expect(table.predictions.map((r) => r.prediction.trim())).toEqual([item.correct.trim(), item.incorrect.trim()]);
    expect(table.predictions[0].model).toMatch(/default-model/);
    expect(table.evaluations.map((e) => e.modelId)).toEqual([baseId, editedId]);
    for (const e of table.evaluations) expect(e.tasks.map((t) => t.task)).toEqual(['ioi']);
    // The circuits of the two models on the dataset, by edge name: disjoint parts of two top-10 sets.
    const withCircuits = await router.invoke('edit.compare', { modelIds: [baseId, editedId], prompts: [], datasetId: dataset.id, circuitTopN: 10 });
    const [diff] = withCircuits.circuits;
    expect(diff.modelId).toBe(editedId);
    const first = new Set([...diff.both, ...diff.onlyFirst]);
    const second = new Set([...diff.both, ...diff.onlyThis]);
    expect(first.size).toBe(diff.both.length + diff.onlyFirst.length);
    expect(first.size).toBeGreaterThan(0);
    expect(first.size).toBeLessThanOrEqual(10);
    expect(second.size).toBeLessThanOrEqual(10);
    expect(diff.onlyThis.some((e) => first.has(e))).toBe(false);
    await expect(router.invoke('edit.compare', { modelIds: [baseId], prompts: [], datasetId: dataset.id, circuitTopN: 10 })).rejects.toThrow(/needs a dataset and at least two models/);
    // Independent check of the base row: a direct forward pass of the bundled model.
    const session = await openModel(join(import.meta.dirname, '../../resources/default-model'));
    try {
      const direct = (await predictNext(session, item.clean, 1)).predictions[0];
      expect(table.predictions[0].logit).toBeCloseTo(direct.logit, 4);
    } finally {
      session.model.dispose();
    }
  }, 120_000);

  it('model.select loads the edited model for every later call, and back', async () => {
    const selected = await router.invoke('model.select', { modelId: editedId });
    expect(selected.model.loaded).toBe(true);
    expect(await top1(item.clean)).toBe(item.incorrect.trim());
    expect((await router.invoke('project.current', {})).models.find((m) => m.loaded)!.id).toBe(editedId);
    await router.invoke('model.select', { modelId: baseId });
    expect(await top1(item.clean)).toBe(item.correct.trim());
  }, 120_000);

  it('edit.export writes a folder the loader reads back with the edited logits; it never overwrites a folder', async () => {
    const table = await router.invoke('edit.compare', { modelIds: [editedId], prompts: [item.clean] });
    const out = join(dataDir, 'exported');
    await router.invoke('edit.export', { modelId: editedId, path: out });
    const session = await openModel(out);
    try {
      const p = (await predictNext(session, item.clean, 1)).predictions[0];
      expect(p.token.trim()).toBe(item.incorrect.trim());
      expect(Math.abs(p.logit - table.predictions[0].logit)).toBeLessThan(1e-5);
    } finally {
      session.model.dispose();
    }
    const taken = join(dataDir, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'notes.txt'), 'keep me');
    await expect(router.invoke('edit.export', { modelId: editedId, path: taken })).rejects.toThrow(/already exists and is not empty/);
    expect(readFileSync(join(taken, 'notes.txt'), 'utf8')).toBe('keep me');
  }, 120_000);
});

describe('head edits through the API', () => {
  it("an OV edit reflects the head's output along plus - minus, and is saved as an edited model", async () => {
    const before = (await router.invoke('project.current', {})).models.length;
    const outcome = await router.invoke('edit.head', { kind: 'ov', layer: 2, head: 3, prompt: item.clean, source: item.meta!.io, plus: item.meta!.io, minus: S });
    expect(outcome.projection).not.toBeNull();
    expect(Math.abs(outcome.projection!.before)).toBeGreaterThan(1e-3);
    expect(outcome.projection!.after).toBeCloseTo(-outcome.projection!.before, 3);
    expect((await router.invoke('project.current', {})).models.length).toBe(before + 1);
    // A QK edit with a word the prompt lacks is refused, naming the word; nothing is saved.
    await expect(router.invoke('edit.head', { kind: 'qk', layer: 0, head: 0, prompt: item.clean, key: 'zebra', scoreChange: 5 })).rejects.toThrow(/zebra/);
    expect((await router.invoke('project.current', {})).models.length).toBe(before + 1);
  }, 60_000);
});

describe('the key second moment', () => {
  it('is computed by the first ROME edit at a layer and reused (not recomputed) by the next', async () => {
    const [, other] = generate('ioi', { n: 2, seed: 12, split: 'heldout' });
    const runs = [];
    for (const it of [item, other]) {
      const outcome = await router.invoke('edit.rome', { ...ROME, prompt: it.clean, subject: it.meta!.s, target: it.incorrect, layer: 0 });
      runs.push(await router.invoke('run.get', { runId: outcome.run.id }));
    }
    // The project's first ROME run (layer 0, chosen by tracing) computed and stored it; these reuse it.
    const romeRuns = (await router.invoke('run.list', {})).runs.filter((r) => r.kind === 'edit-rome').sort((a, b) => a.id - b.id);
    const first = await router.invoke('run.get', { runId: romeRuns[0].id });
    expect(first.results.map((r) => r.name)).toEqual(['edit', 'key-moment']);
    for (const run of runs) expect(run.results.map((r) => r.name)).toEqual(['edit']);
  }, 120_000);
});

describe('the edited-model folder cache', () => {
  it('keeps the most recently used folders only, and reuses a folder it has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwb-materialise-'));
    const store = ProjectStore.open(join(dir, 'p.cwb'), { create: true });
    try {
      const root = join(import.meta.dirname, '../../resources/default-model');
      const config = JSON.parse(readFileSync(join(root, 'config.json'), 'utf8'));
      const base = store.models.add({ name: 'base', path: root, contentHash: 'ab'.repeat(32), config });
      const d = parseHfConfig(config).dModel;
      const edited = [1, 2].map((k) =>
        saveEdit(store, {
          baseModelId: base.id,
          config: parseHfConfig(config),
          edit: { name: `e${k}`, spec: {}, deltas: [{ param: 'h.0.mlp.c_proj.weight', u: new Float32Array(4 * d).fill(0.01 * k), v: new Float32Array(d).fill(1) }] },
        }).model,
      );
      const cache = join(dir, 'cache');
      expect(await materialiseProjectModel(store, base.id, cache)).toBe(root);
      const first = await materialiseProjectModel(store, edited[0].id, cache, { keep: 1 });
      expect(await materialiseProjectModel(store, edited[0].id, cache, { keep: 1 })).toBe(first);
      const second = await materialiseProjectModel(store, edited[1].id, cache, { keep: 1 });
      expect(readdirSync(cache)).toEqual([second.split('/').at(-1)]);
      expect(existsSync(first)).toBe(false);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
