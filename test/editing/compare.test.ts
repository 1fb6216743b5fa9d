/** Before/after helpers on a random default-vocabulary model: prediction table and circuit diff. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/main/datasets';
import { openModel, type ModelSession } from '../../src/main/services/modelSession';
import { predictNext } from '../../src/main/services/predict';
import { asEvalModel, circuitDiff, formatPredictionTable, predictionTable } from '../../src/main/editing/compare';
import { EditedModel } from '../../src/main/editing/editedModel';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

let session: ModelSession;
beforeAll(async () => {
  session = await openModel(await writeTaskModel(path.join(await makeTmpDir('cwb-compare-'), 'm')));
});
afterAll(async () => {
  session.model.dispose();
  await removeTmpDirs();
});

describe('before / after', () => {
  it('the prediction table agrees with predictNext for every model and prompt', async () => {
    const prompts = ['Mary likes the cat', 'Tom went to the park'];
    const u = new Float32Array(session.config.dMlp).fill(0.5);
    const v = new Float32Array(session.config.dModel).fill(-0.5);
    const edited = EditedModel.apply(session.model, [{ name: 'x', spec: null, deltas: [{ param: 'h.1.mlp.c_proj.weight', u, v }] }]);
    const table = await predictionTable([asEvalModel(session.model, session.tokenizer, 'base'), asEvalModel(edited.model, session.tokenizer, 'edited')], prompts);
    expect(table.map((r) => `${r.input}|${r.model}`)).toEqual(['Mary likes the cat|base', 'Mary likes the cat|edited', 'Tom went to the park|base', 'Tom went to the park|edited']);
    for (const row of table) {
      const s = row.model === 'base' ? session : { ...session, model: edited.model };
      const top = (await predictNext(s, row.input, 1)).predictions[0];
      expect(row.predictionId).toBe(top.id);
      expect(row.logit).toBeCloseTo(top.logit, 4);
    }
    expect(formatPredictionTable(table).split('\n')[0]).toBe('| Input | Model | Prediction | Logit |');
    edited.dispose();
  });

  it('a model against itself has the same circuit; against an edited copy the edges split into shared / only base / only edited', async () => {
    const items = generate('comparison', { n: 8, seed: 4 });
    const same = await circuitDiff(session, session, items, { topN: 60, steps: 2 });
    expect(same.both.length).toBeGreaterThan(0); // top-60 edges, pruned to those connected input -> logits
    expect(same.both.length).toBe(same.overlap.a);
    expect(same.onlyBase).toEqual([]);
    expect(same.onlyEdited).toEqual([]);
    // A strong rank-1 edit: every head of layer 0 writes along one random direction, scaled up.
    const D = session.config.dModel;
    const u = Float32Array.from({ length: D }, (_, i) => Math.sin(3 * i + 1) * 4);
    const v = Float32Array.from({ length: D }, (_, i) => Math.cos(5 * i + 2) * 4);
    const edited = EditedModel.apply(session.model, [{ name: 'x', spec: null, deltas: [{ param: 'h.0.attn.c_proj.weight', u, v }, { param: 'h.1.mlp.c_proj.weight', u: new Float32Array(session.config.dMlp).fill(2), v }] }]);
    const diff = await circuitDiff(session, { ...session, model: edited.model }, items, { topN: 60, steps: 2 });
    expect(diff.both.length + diff.onlyBase.length).toBe(diff.overlap.reference);
    expect(diff.both.length + diff.onlyEdited.length).toBe(diff.overlap.a);
    expect(diff.onlyBase.length + diff.onlyEdited.length).toBeGreaterThan(0);
    expect(diff.overlap.intersection).toBe(diff.both.length);
    edited.dispose();
  }, 60_000);
});
