/**
 * Head edit strength and the before/after predictions shown in the edit form: the OV projection
 * after an edit of strength s is p + s (target - p), read off the edited weights (not the
 * formula); the predictions are the top-k of a softmax computed here from each model's logits.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import type { HookedGPT2 } from '../../src/main/engine/model';
import { EditedModel } from '../../src/main/editing/editedModel';
import type { ModelEdit } from '../../src/main/editing/delta';
import { headValueAt, logitDirection, ovEdit, predictionsBeforeAfter } from '../../src/main/editing/headEdit';
import { randomModel, startBackend, tinyConfig } from '../helpers/engine';

const config = tinyConfig({ n_embd: 16, n_head: 4, n_layer: 2, vocab_size: 23, n_positions: 16 });
const LAYER = 1;
const HEAD = 2;
const ids = [0, 5, 9, 3, 7, 11];
const names = (t: number[]): string[] => t.map((id) => `tok${id}`);

beforeAll(startBackend);

/** (s W_O^h) . d / (d . d) from the model's current W_O. */
async function projection(model: HookedGPT2, source: Float64Array, direction: Float64Array): Promise<number> {
  const D = config.dModel;
  const dh = config.dHead;
  const wo = await model.weights.blocks[LAYER].wO.data(); // [D, D]
  let num = 0;
  for (let j = 0; j < D; j++) {
    let o = 0;
    for (let i = 0; i < dh; i++) o += source[i] * wo[(HEAD * dh + i) * D + j];
    num += o * direction[j];
  }
  return num / direction.reduce((s, x) => s + x * x, 0);
}

/** Top-k (id, prob) of the last position, by a softmax and a sort done here. */
async function referenceTop(model: HookedGPT2, k: number): Promise<{ id: number; prob: number }[]> {
  const logits = model.forward([ids], 'last'); // [1, V]
  const row = Array.from(await logits.data());
  logits.dispose();
  const max = Math.max(...row);
  const exp = row.map((x) => Math.exp(x - max));
  const z = exp.reduce((a, b) => a + b, 0);
  return exp.map((e, id) => ({ id, prob: e / z })).sort((a, b) => b.prob - a.prob).slice(0, k);
}

describe('OV edit strength', () => {
  it.each([
    ['reflect', 1],
    ['reflect', 2],
    ['reflect', 0.5],
    ['zero', 3],
  ] as const)('%s at strength %s lands the projection at p + s (target - p)', async (target, strength) => {
    const { model } = randomModel(config, 31);
    const source = await headValueAt(model, LAYER, HEAD, [{ ids, subjectPos: 2 }]);
    const direction = await logitDirection(model, 4, 6);
    const p = await projection(model, source, direction);
    const aim = target === 'reflect' ? -p : 0;
    const { edit, before, after } = await ovEdit(model, 'e', {}, { layer: LAYER, head: HEAD, source, direction, target, strength });
    expect(before).toBeCloseTo(p, 4);
    expect(after).toBeCloseTo(p + strength * (aim - p), 8);
    const edited = EditedModel.apply(model, [edit]);
    expect(await projection(edited.model, source, direction)).toBeCloseTo(p + strength * (aim - p), 3);
    expect(edit.spec).toMatchObject({ strength, target });
    edited.dispose();
    model.dispose();
  });

  it('refuses a strength that is not a finite number', async () => {
    const { model } = randomModel(config, 32);
    const source = await headValueAt(model, LAYER, HEAD, [{ ids, subjectPos: 2 }]);
    const direction = await logitDirection(model, 4, 6);
    await expect(ovEdit(model, 'e', {}, { layer: LAYER, head: HEAD, source, direction, target: 'reflect', strength: Number.NaN })).rejects.toThrow(/strength must be a finite number, got NaN/);
    model.dispose();
  });
});

describe('predictions before and after an edit', () => {
  it('are the top-k of each model, the base model stays untouched, and no tensor is left behind', async () => {
    const { model } = randomModel(config, 33);
    const source = await headValueAt(model, LAYER, HEAD, [{ ids, subjectPos: 2 }]);
    const direction = await logitDirection(model, 4, 6);
    const { edit } = await ovEdit(model, 'e', {}, { layer: LAYER, head: HEAD, source, direction, target: 'reflect', strength: 5 });
    const baseBefore = await referenceTop(model, 4);
    const start = tf.memory().numTensors;
    const r = await predictionsBeforeAfter(model, edit, ids, 4, names);
    expect(tf.memory().numTensors).toBe(start);
    expect(r.before.map((p) => p.id)).toEqual(baseBefore.map((p) => p.id));
    r.before.forEach((p, i) => {
      expect(p.prob).toBeCloseTo(baseBefore[i].prob, 5);
      expect(p.token).toBe(`tok${p.id}`);
    });
    const edited = EditedModel.apply(model, [edit]);
    const afterRef = await referenceTop(edited.model, 4);
    edited.dispose();
    expect(r.after.map((p) => p.id)).toEqual(afterRef.map((p) => p.id));
    r.after.forEach((p, i) => expect(p.prob).toBeCloseTo(afterRef[i].prob, 5));
    // The edit at strength 5 changes the distribution; the base model is as it was.
    expect(Math.max(...r.after.map((p, i) => Math.abs(p.prob - r.before[i].prob)))).toBeGreaterThan(1e-4);
    expect((await referenceTop(model, 4)).map((p) => p.id)).toEqual(baseBefore.map((p) => p.id));
    model.dispose();
  });

  it('a strength-0 edit predicts exactly as the base model', async () => {
    const { model } = randomModel(config, 34);
    const source = await headValueAt(model, LAYER, HEAD, [{ ids, subjectPos: 2 }]);
    const direction = await logitDirection(model, 4, 6);
    const { edit } = await ovEdit(model, 'e', {}, { layer: LAYER, head: HEAD, source, direction, target: 'reflect', strength: 0 });
    const r = await predictionsBeforeAfter(model, edit as ModelEdit, ids, 3, names);
    expect(r.after.map((p) => p.id)).toEqual(r.before.map((p) => p.id));
    r.after.forEach((p, i) => expect(p.prob).toBeCloseTo(r.before[i].prob, 6));
    model.dispose();
  });
});
