/**
 * The API operations and result fields the circuit editor and analysis views read, against the
 * real services (a real model on disk, a real .cwb project, jobs in worker threads): per-template
 * panels with named positions, logit lens top tokens, attention for a typed prompt, ACDC edges
 * with scores, evaluation reference values, head edit strength and before/after predictions.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { ApiRouter } from '../../src/main/api/router';
import { generate, templateIds } from '../../src/main/datasets';
import { splitWords } from '../../src/main/datasets/text';
import type { PatchPanelsResult, DlaPanelsResult } from '../../src/main/analysis/positionPanels';
import type { LensTopTokensResult } from '../../src/main/analysis/lensTopTokens';
import type { AttentionPatternResult } from '../../src/main/analysis/attention';
import { ApiError } from '../../src/shared/api/errors';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

let services: DefaultServices;
let router: ApiRouter;
let mixedId: number;
let mixedTemplates: string[];
let mixedSize: number;

beforeAll(async () => {
  const dataDir = join(await makeTmpDir('cwb-views-data-'), 'data');
  const modelDir = await writeTaskModel(join(await makeTmpDir('cwb-views-model-'), 'task-model'));
  services = await createDefaultServices({ appVersion: '0.0.0-test', modelDir, dataDir, log: () => undefined });
  router = new ApiRouter(services);
  const dataset = await router.invoke('dataset.generate', { name: 'ioi-mixed', task: 'ioi', n: 10, seed: 21 });
  mixedId = dataset.id;
  const items = (await router.invoke('dataset.items', { datasetId: mixedId })).items as { template: string }[];
  mixedTemplates = [...new Set(items.map((i) => i.template))].sort();
  mixedSize = items.length;
}, 60_000);

afterAll(async () => {
  await services?.shutdown();
  await removeTmpDirs();
});

describe('position-aware analyses on a generated mixed-template dataset', () => {
  it('dataset items carry their template\'s named positions (slot words and their word index)', async () => {
    const page = await router.invoke('dataset.items', { datasetId: mixedId, limit: 4 });
    const expected = generate('ioi', { n: 10, seed: 21 }).slice(0, 4);
    page.items.forEach((item, i) => {
      const byName = Object.fromEntries(item.slots!.map((s) => [s.name, s]));
      expect([byName.IO.word, byName.S1.word, byName.S2.word]).toEqual([expected[i].meta!.io, expected[i].meta!.s, expected[i].meta!.s]);
      expect(byName.S2.wordIndex).toBeGreaterThan(byName.S1.wordIndex);
      for (const s of item.slots!) expect(splitWords(item.clean)[s.wordIndex]).toBe(s.word);
    });
  });

  it('residual patching by position returns one panel per template with named positions, every row in one panel', async () => {
    expect(mixedTemplates.length).toBeGreaterThan(1);
    const { result } = await router.invoke('analysis.run', { datasetId: mixedId, kind: 'patching', target: 'resid' });
    const r = result as PatchPanelsResult;
    expect(r.kind).toBe('patch-groups');
    expect(r.panels.map((p) => p.template).sort()).toEqual(mixedTemplates);
    expect(r.panels.flatMap((p) => p.rows).sort((a, b) => a - b)).toEqual(Array.from({ length: mixedSize }, (_, i) => i));
    expect(r.prompts).toBe(mixedSize);
    for (const p of r.panels) {
      expect(p.positions).toEqual(expect.arrayContaining(['IO', 'S1', 'S2', 'END']));
      expect(p.result.labels.position).toEqual(p.positions);
      expect(p.result.prompts).toBe(p.rows.length);
      expect(p.result.shape).toEqual([2, p.length]);
    }
  }, 120_000);

  it('one template chosen in the form gives the plain result, labelled by name; an unknown one is refused naming the ones there are', async () => {
    const template = mixedTemplates[0];
    const { result } = await router.invoke('analysis.run', { datasetId: mixedId, kind: 'patching', target: 'resid', template });
    expect(result).toMatchObject({ kind: 'patch', template });
    expect((result as { labels: { position: string[] } }).labels.position).toEqual(expect.arrayContaining(['IO', 'S1', 'S2', 'END']));
    const error = await router.invoke('analysis.run', { datasetId: mixedId, kind: 'patching', target: 'resid', template: 'ioi/none' }).then(
      () => undefined,
      (e: unknown) => e as ApiError,
    );
    expect(error?.message).toContain('Dataset "ioi-mixed" has no items of template "ioi/none"; its templates are ');
    expect(error?.message).toContain(JSON.stringify(template));
  }, 120_000);

  it('DLA by source position comes per template with named positions; per-item rows stay in dataset order', async () => {
    const { result } = await router.invoke('analysis.run', { datasetId: mixedId, kind: 'dla' });
    const r = result as DlaPanelsResult;
    expect(r.panels.map((p) => p.template).sort()).toEqual(mixedTemplates);
    expect(r.byPosition).toHaveLength(r.panels.length);
    r.byPosition.forEach((table, i) => {
      expect(table.positions).toEqual(r.panels[i].positions);
      expect(table.prompts).toBe(r.panels[i].rows.length);
    });
    expect(r.perPrompt).toHaveLength(mixedSize);
    r.perPrompt.forEach((row, i) => expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(r.logitDiff[i], 3));
  }, 120_000);
});

describe('views a notebook user expects', () => {
  it('the logit lens carries the top tokens per stage and position of the chosen item', async () => {
    const { result } = await router.invoke('analysis.run', { datasetId: mixedId, kind: 'logit-lens', item: 1, k: 3 });
    const r = result as { stages: string[]; topTokens: LensTopTokensResult & { item: number; prompt: string } };
    expect(r.topTokens.item).toBe(1);
    expect(r.topTokens.stages).toEqual(r.stages);
    expect(r.topTokens.top).toHaveLength(r.stages.length);
    for (const stage of r.topTokens.top) {
      expect(stage).toHaveLength(r.topTokens.tokens.length);
      for (const cell of stage) {
        expect(cell).toHaveLength(3);
        expect(cell[0].prob).toBeGreaterThanOrEqual(cell[1].prob);
      }
    }
    // The last stage at the last position is the model's own prediction.
    const predicted = await router.invoke('model.predict', { prompt: r.topTokens.prompt, topK: 3 });
    expect(r.topTokens.top.at(-1)!.at(-1)!.map((c) => c.id)).toEqual(predicted.predictions.map((p) => p.id));
  }, 120_000);

  it('attention for every head of one layer, or the whole model, on a typed prompt or a dataset item', async () => {
    const prompt = 'When Mary and John went to the store, John gave a drink to';
    const one = (await router.invoke('analysis.attention', { prompt, layer: 1 })).result as AttentionPatternResult & { prompt: string };
    const all = (await router.invoke('analysis.attention', { prompt })).result as AttentionPatternResult;
    const T = one.tokens.length;
    expect(one.prompt).toBe(prompt);
    expect(one.layers).toEqual([1]);
    expect(one.shape).toEqual([1, 4, T, T]);
    expect(all.layers).toEqual([0, 1]);
    // Layer 1 of the whole-model grid is the one-layer grid.
    const size = 4 * T * T;
    all.values.slice(size, 2 * size).forEach((v, i) => expect(v).toBeCloseTo(one.values[i], 6));
    // Each pattern row sums to 1 over its (causal) sources.
    for (let row = 0; row < 4 * T; row++) expect(one.values.slice(row * T, (row + 1) * T).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const fromItem = (await router.invoke('analysis.attention', { datasetId: mixedId, item: 2, side: 'corrupted' })).result as { item: number; side: string; prompt: string };
    expect(fromItem).toMatchObject({ item: 2, side: 'corrupted' });
    await expect(router.invoke('analysis.attention', { prompt, datasetId: mixedId })).rejects.toThrow('give either a prompt or a datasetId');
    await expect(router.invoke('analysis.attention', { datasetId: mixedId, item: 99 })).rejects.toThrow(`has ${mixedSize} items (0 to ${mixedSize - 1}); item 99 does not exist`);
    await expect(router.invoke('analysis.attention', { prompt, layer: 7 })).rejects.toThrow('The model has 2 layers (0 to 1); layer 7 does not exist.');
  }, 120_000);

  it('a head edit takes a strength and returns the prompt\'s top predictions before and after', async () => {
    const [item] = generate('ioi', { n: 1, seed: 9, templates: templateIds('ioi').slice(0, 1) });
    const outcome = await router.invoke('edit.head', { kind: 'ov', layer: 1, head: 2, prompt: item.clean, source: item.meta!.io, plus: item.meta!.io, minus: item.meta!.s, strength: 2, topK: 4 });
    expect(outcome.projection!.after).toBeCloseTo(-3 * outcome.projection!.before, 3);
    expect(outcome.predictions!.before).toHaveLength(4);
    expect(outcome.predictions!.after).toHaveLength(4);
    const base = await router.invoke('model.predict', { prompt: item.clean, topK: 4 });
    expect(outcome.predictions!.before.map((p) => p.id)).toEqual(base.predictions.map((p) => p.id));
    outcome.predictions!.before.forEach((p, i) => expect(p.prob).toBeCloseTo(base.predictions[i].prob, 5));
  }, 120_000);
});

describe('circuits: scored ACDC edges and evaluation references', () => {
  it('ACDC edges carry the metric change measured when each was tried; evaluation returns F(C), F(M), F(∅), n, dataset and ablation', async () => {
    const discovered = await router.invoke('circuit.discover', { datasetId: mixedId, method: 'acdc', threshold: 0.05 });
    expect(discovered.graph.edges.length).toBeGreaterThan(0);
    // Every kept edge moved the metric by at least tau when it was tried.
    for (const e of discovered.graph.edges) expect(Math.abs(e.score!), `${e.source}->${e.target}`).toBeGreaterThanOrEqual(0.05);
    const circuit = await router.invoke('circuit.create', { name: 'acdc', graph: discovered.graph as unknown as Record<string, unknown> });
    const stored = await router.invoke('circuit.get', { circuitId: circuit.id });
    expect(stored.graph.edges.map((e) => e.score)).toEqual(discovered.graph.edges.map((e) => e.score));

    const evaluation = await router.invoke('circuit.evaluate', { circuitId: circuit.id, datasetId: mixedId });
    const ref = evaluation.reference!;
    expect(ref).toMatchObject({ metric: 'logit-diff', ablation: 'corrupted', n: mixedSize, dataset: { id: mixedId, name: 'ioi-mixed' }, edges: discovered.graph.edges.length });
    expect(ref.faithfulness).toBeCloseTo(ref.fCircuit / ref.fFull, 6);
    expect(ref.faithfulnessNormalised).toBeCloseTo((ref.fCircuit - ref.fEmpty) / (ref.fFull - ref.fEmpty), 6);
    expect(evaluation.faithfulness).toBe(ref.faithfulness);
    expect(evaluation.completeness).toBe(ref.completeness);
    expect(evaluation.minimality).toBe(ref.minimality);
    // F(M) is the dataset's mean clean logit difference, F(∅) the corrupted one (ACDC's own baseline).
    const lens = (await router.invoke('analysis.run', { datasetId: mixedId, kind: 'logit-lens' })).result as { logitDiff: number[] };
    expect(ref.fFull).toBeCloseTo(lens.logitDiff.reduce((a, b) => a + b, 0) / lens.logitDiff.length, 4);
  }, 240_000);
});
