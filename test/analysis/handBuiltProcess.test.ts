/**
 * Weight processing on hand-written numbers (d_model 2, vocabulary 3), the expected values worked
 * out by hand from TransformerLens's definitions rather than by the code under test:
 * folding ln_f (w = [2, 3], b = [0.5, -1]) into the tied unembedding U = [[1, 0], [0, 1], [1, 1]]
 * gives rows w * U[v] centred over d_model and a bias b . U[v]; centring the unembedding then
 * removes the mean over the vocabulary.
 */
import { describe, expect, it } from 'vitest';
import { processWeights } from '../../src/main/analysis/processWeights';
import { randomParams } from '../../src/main/engine/params';
import { tinyConfig } from '../helpers/engine';

const config = tinyConfig({ n_layer: 1, n_head: 1, n_embd: 2, vocab_size: 3 });
function params() {
  const p = randomParams(config, 3, 0.3);
  p.set('wte.weight', { shape: [3, 2], data: Float32Array.from([1, 0, 0, 1, 1, 1]) });
  p.set('ln_f.weight', { shape: [2], data: Float32Array.from([2, 3]) });
  p.set('ln_f.bias', { shape: [2], data: Float32Array.from([0.5, -1]) });
  return p;
}

describe('processWeights on a hand-written unembedding', () => {
  it('folds ln_f: rows [2, 0] -> [1, -1], [0, 3] -> [-1.5, 1.5], [2, 3] -> [-0.5, 0.5]; bias [0.5, -1, -0.5]', () => {
    const out = processWeights(config, params(), { foldLn: true, centerWritingWeights: false, centerUnembed: false, foldValueBiases: false });
    expect(out.config).toMatchObject({ normalization: 'LNPre', tiedEmbeddings: false, unembedBias: true });
    expect(Array.from(out.params.get('lm_head.weight')!.data)).toEqual([1, -1, -1.5, 1.5, -0.5, 0.5]);
    expect(Array.from(out.params.get('lm_head.bias')!.data)).toEqual([0.5, -1, -0.5]);
    // The embedding itself is untouched (it was tied: the unembedding is now its own tensor).
    expect(Array.from(out.params.get('wte.weight')!.data)).toEqual([1, 0, 0, 1, 1, 1]);
  });

  it('then centres the unembedding over the vocabulary: column means (-1/3, 1/3) removed', () => {
    const out = processWeights(config, params(), { foldLn: true, centerWritingWeights: false, centerUnembed: true, foldValueBiases: false });
    const expected = [1 + 1 / 3, -1 - 1 / 3, -1.5 + 1 / 3, 1.5 - 1 / 3, -0.5 + 1 / 3, 0.5 - 1 / 3];
    Array.from(out.params.get('lm_head.weight')!.data).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 6));
  });
});
