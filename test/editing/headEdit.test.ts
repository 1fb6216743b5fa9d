/**
 * Rank-1 head edits on a random model: the OV edit sets the head's output projection on a
 * direction to its target (checked by running the head, not by re-reading the formula), the QK
 * edit moves one attention score by exactly the asked amount and leaves other heads alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { EditedModel } from '../../src/main/editing/editedModel';
import { headQueryAt, headValueAt, keyInputAt, logitDirection, ovEdit, qkEdit } from '../../src/main/editing/headEdit';
import { randomModel, startBackend, tinyConfig } from '../helpers/engine';
import { spectrumBeyondFirst } from './linearAlgebra';

const config = tinyConfig({ n_embd: 16, n_head: 4, n_layer: 2, vocab_size: 23, n_positions: 16 });
const LAYER = 1;
const HEAD = 2;
const ids = [0, 5, 9, 3, 7, 11];

beforeAll(startBackend);

/** The head's output (attn.hook_result) at the last position [D]. */
async function headOutput(model: ReturnType<typeof randomModel>['model'], layer: number, head: number): Promise<Float64Array> {
  const name = `blocks.${layer}.attn.hook_result`;
  const { cache } = model.runWithCache([ids], name, { logits: 'none' });
  const r = await cache.get(name).data(); // [1, T, H, D]
  cache.dispose();
  const D = config.dModel;
  const T = ids.length;
  return Float64Array.from(r.subarray(((T - 1) * config.nHead + head) * D, ((T - 1) * config.nHead + head + 1) * D));
}

async function scores(model: ReturnType<typeof randomModel>['model']): Promise<Float32Array> {
  const name = `blocks.${LAYER}.attn.hook_attn_scores`;
  const { cache } = model.runWithCache([ids], name, { logits: 'none' });
  const s = (await cache.get(name).data()) as Float32Array; // [1, H, T, T]
  cache.dispose();
  return s;
}

describe('head OV edit', () => {
  it('"reflect" flips the sign of what the head writes along logit(plus) - logit(minus) for the source value', async () => {
    const { model } = randomModel(config, 21);
    const source = await headValueAt(model, LAYER, HEAD, [{ ids, subjectPos: 2 }]);
    const direction = await logitDirection(model, 4, 6);
    const { edit, before, after } = await ovEdit(model, 'reflect', {}, { layer: LAYER, head: HEAD, source, direction, target: 'reflect' });
    expect(after).toBeCloseTo(-before, 10);
    const edited = EditedModel.apply(model, [edit]);
    // Independent check: the edited W_O applied to the same value vector, read off the tensors.
    const D = config.dModel;
    const dh = config.dHead;
    const wo = await edited.model.weights.blocks[LAYER].wO.data(); // [D, D]
    const o = new Float64Array(D);
    for (let i = 0; i < dh; i++) for (let j = 0; j < D; j++) o[j] += source[i] * wo[(HEAD * dh + i) * D + j];
    const dd = direction.reduce((s, x) => s + x * x, 0);
    expect(o.reduce((s, x, j) => s + x * direction[j], 0) / dd).toBeCloseTo(-before, 4);
    // The delta touches only the head's rows and has rank 1.
    const base = await model.weights.blocks[LAYER].wO.data();
    const dW = Float64Array.from(wo, (x, k) => x - base[k]);
    dW.forEach((x, k) => {
      const row = Math.floor(k / D);
      if (row < HEAD * dh || row >= (HEAD + 1) * dh) expect(x).toBe(0);
    });
    const { sigma1, rest } = spectrumBeyondFirst(dW, D, D);
    expect(rest / sigma1).toBeLessThan(1e-5);
    // Other heads' outputs are untouched.
    const [b0, e0] = [await headOutput(model, LAYER, 0), await headOutput(edited.model, LAYER, 0)];
    expect(Math.max(...b0.map((x, j) => Math.abs(x - e0[j])))).toBe(0);
    edited.dispose();
    model.dispose();
  });
});

describe('head QK edit', () => {
  it('raises exactly one query-key score by the asked amount and leaves the other heads\' scores alone', async () => {
    const { model } = randomModel(config, 22);
    const keyPos = 2;
    const keyInput = await keyInputAt(model, LAYER, [{ ids, subjectPos: keyPos }]);
    const query = await headQueryAt(model, LAYER, HEAD, [{ ids, subjectPos: ids.length - 1 }]);
    const edit = qkEdit(model, 'attend', {}, { layer: LAYER, head: HEAD, keyInput, query, scoreChange: 3 });
    const edited = EditedModel.apply(model, [edit]);
    const start = tf.memory().numTensors;
    const [s0, s1] = [await scores(model), await scores(edited.model)];
    expect(tf.memory().numTensors).toBe(start);
    const T = ids.length;
    const at = (h: number, q: number, k: number): number => (h * T + q) * T + k;
    expect(s1[at(HEAD, T - 1, keyPos)] - s0[at(HEAD, T - 1, keyPos)]).toBeCloseTo(3, 3);
    for (const h of [0, 1, 3]) for (let k = 0; k < T; k++) expect(s1[at(h, T - 1, k)]).toBe(s0[at(h, T - 1, k)]);
    expect(() => qkEdit(model, 'bad', {}, { layer: LAYER, head: 9, keyInput, query, scoreChange: 1 })).toThrow(/head 9 is outside 0\.\.3/);
    edited.dispose();
    model.dispose();
  });
});
