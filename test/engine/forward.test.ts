/**
 * The engine's logits against the independent Float64 reference, across shapes and the toy
 * variants, on random models the test writes to disk in the real Hugging Face layout and loads
 * back through the real loader. Tolerance: max |engine - reference| <= 1e-4 x max |reference|.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HookedGPT2 } from '../../src/main/engine/model';
import { loadModelDir } from '../../src/main/loader/modelDir';
import { maxRelativeError, referenceLogits } from './referenceGpt2';
import { randomTokens, refConfig, startBackend } from '../helpers/engine';
import { makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';

const TOLERANCE = 1e-4;

beforeAll(startBackend);
afterAll(removeTmpDirs);

const CASES: { label: string; hf: Record<string, unknown>; B: number; T: number }[] = [
  { label: 'GPT-2 block, batch 3', hf: {}, B: 3, T: 7 },
  { label: 'sequence length 1', hf: {}, B: 2, T: 1 },
  { label: 'odd head size (15 = 5 heads x 3)', hf: { n_embd: 15, n_head: 5 }, B: 2, T: 6 },
  { label: 'one head', hf: { n_embd: 8, n_head: 1, n_layer: 3 }, B: 1, T: 9 },
  { label: 'head size 1 (6 heads of 1)', hf: { n_embd: 6, n_head: 6 }, B: 2, T: 4 },
  { label: 'attention-only, no LayerNorm', hf: { attn_only: true, normalization_type: null }, B: 2, T: 5 },
  { label: 'LNPre (folded LayerNorm)', hf: { normalization_type: 'LNPre' }, B: 2, T: 5 },
  { label: 'ReLU MLP, untied unembedding', hf: { activation_function: 'relu', tie_word_embeddings: false }, B: 2, T: 5 },
  { label: 'exact GELU, unembedding bias, n_inner', hf: { activation_function: 'gelu', unembed_bias: true, n_inner: 24 }, B: 2, T: 5 },
];

describe('forward pass matches the Float64 reference', () => {
  for (const { label, hf, B, T } of CASES) {
    it(label, async () => {
      const { config, params, dir } = await writeRandomModel(await makeTmpDir(), { n_layer: 2, n_head: 4, n_embd: 16, vocab_size: 23, ...hf }, 7, { std: 0.3 });
      const loaded = await loadModelDir(dir);
      expect(loaded.config).toEqual(config);
      const model = HookedGPT2.fromParams(loaded.config, loaded.params);
      const tokens = randomTokens(B, T, config.vocabSize, 11);
      const logits = model.forward(tokens, 'all');
      expect(logits.shape).toEqual([B, T, config.vocabSize]);
      const actual = await logits.data();
      logits.dispose();
      const expected = referenceLogits(refConfig(config), params, tokens).flat(2);
      expect(maxRelativeError(actual, expected)).toBeLessThan(TOLERANCE);
      model.dispose();
    });
  }
});
