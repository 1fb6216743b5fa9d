/**
 * The value of every hook point the engine has (the list comes from the engine's own registry,
 * allHookNames) against the independent Float64 reference, on random models of several shapes
 * and variants. Tolerance per point: max |engine - reference| <= 1e-4 x max |reference| (fp32
 * against fp64); masked attention scores must be -Infinity exactly where the reference's are.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { allHookNames, isOptionalHook } from '../../src/main/engine/hookNames';
import { maxRelativeError, referenceRun, type RefActivations } from './referenceGpt2';
import { randomModel, randomTokens, refConfig, startBackend, tinyConfig } from '../helpers/engine';
import type { Tensor } from '../../src/main/engine/tf';

const TOLERANCE = 1e-4;

beforeAll(startBackend);

const VARIANTS: { label: string; hf: Record<string, unknown>; B: number; T: number }[] = [
  { label: 'GPT-2 block (LN, gelu_new, tied)', hf: {}, B: 2, T: 5 },
  { label: 'sequence length 1', hf: {}, B: 3, T: 1 },
  {
    label: 'LNPre, exact GELU, untied unembedding with bias, n_inner 20, 3 layers of 2 heads',
    hf: { normalization_type: 'LNPre', activation_function: 'gelu', tie_word_embeddings: false, unembed_bias: true, n_inner: 20, n_layer: 3, n_head: 2, n_embd: 12 },
    B: 2,
    T: 6,
  },
  { label: 'no LayerNorm, ReLU, one head, one layer', hf: { normalization_type: null, activation_function: 'relu', n_head: 1, n_embd: 8, n_layer: 1 }, B: 2, T: 4 },
  { label: 'attention-only with LayerNorm, 3 heads', hf: { attn_only: true, n_head: 3, n_embd: 12 }, B: 2, T: 5 },
  { label: 'attention-only, no LayerNorm, head size 1', hf: { attn_only: true, normalization_type: null, n_head: 6, n_embd: 6 }, B: 1, T: 6 },
];

const flat = (acts: RefActivations, name: string): number[] => {
  const rows = acts.get(name);
  if (!rows) throw new Error(`the reference has no value for ${name}`);
  return rows.flat();
};

/** Compare one engine activation with its reference value; -Infinity must match exactly. */
async function expectClose(name: string, actual: Tensor, expected: number[]): Promise<void> {
  const a = Array.from(await actual.data());
  expect(a.length, `${name}: size`).toBe(expected.length);
  const masked = expected.map((x) => x === -Infinity);
  a.forEach((x, i) => {
    if (masked[i]) expect(x, `${name}[${i}] is masked`).toBe(-Infinity);
  });
  const keep = (_: number, i: number): boolean => !masked[i];
  const err = maxRelativeError(a.filter(keep), expected.filter(keep));
  expect(err, `${name}: max relative error`).toBeLessThanOrEqual(TOLERANCE);
}

describe('every hook point holds the value the reference computes', () => {
  for (const { label, hf, B, T } of VARIANTS) {
    it(label, async () => {
      const config = tinyConfig(hf);
      const { model, params } = randomModel(config, 31);
      const tokens = randomTokens(B, T, config.vocabSize, 17);
      const ref = referenceRun(refConfig(config), params, tokens);
      const names = allHookNames(config);
      // The reference names its points itself: the two lists must agree, so a point added to
      // the engine without a reference value (or renamed) fails here.
      expect([...ref.activations.keys()].sort()).toEqual([...names].sort());
      const before = tf.memory().numTensors;

      // Standard points from a plain run.
      const { logits, cache } = model.runWithCache(tokens);
      for (const name of names.filter((n) => !isOptionalHook(n))) await expectClose(name, cache.get(name), flat(ref.activations, name));
      await expectClose('logits', logits!, ref.logits.flat(2));
      logits!.dispose();
      cache.dispose();

      // Optional points (split q/k/v inputs, per-head results) take the per-head route through
      // every layer; that route's own points must hold the same values too.
      const optional = names.filter(isOptionalHook);
      const routed = names.filter((n) => /attn\.hook_[qkvz]$|ln1\.hook_(scale|normalized)$/.test(n));
      const split = model.runWithCache(tokens, [...optional, ...routed]);
      for (const name of optional) await expectClose(name, split.cache.get(name), flat(ref.activations, name));
      for (const name of routed) {
        let expected = flat(ref.activations, name);
        // ln1 with split inputs runs once on the stacked [3, B, T, H, *] streams: every stream and
        // every head sees the same residual, so the reference value repeats per stream and head.
        if (name.includes('.ln1.')) {
          const width = name.endsWith('hook_scale') ? 1 : config.dModel;
          const perHead: number[] = [];
          for (let bt = 0; bt < B * T; bt++) for (let h = 0; h < config.nHead; h++) perHead.push(...expected.slice(bt * width, (bt + 1) * width));
          expected = [...perHead, ...perHead, ...perHead];
          expect(split.cache.get(name).shape, name).toEqual([3, B, T, config.nHead, width]);
        }
        await expectClose(`${name} (split route)`, split.cache.get(name), expected);
      }
      await expectClose('logits (split route)', split.logits!, ref.logits.flat(2));
      split.logits!.dispose();
      split.cache.dispose();
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }
});

describe('the one-hot embedding route (used for gradients on wasm)', () => {
  it('gives the reference embedding and logits', async () => {
    const config = tinyConfig();
    const { model, params } = randomModel(config, 33);
    model.embeddingMode = 'onehot';
    const tokens = randomTokens(2, 5, config.vocabSize, 19);
    const ref = referenceRun(refConfig(config), params, tokens);
    const { logits, cache } = model.runWithCache(tokens, ['hook_embed']);
    await expectClose('hook_embed (one-hot)', cache.get('hook_embed'), flat(ref.activations, 'hook_embed'));
    await expectClose('logits (one-hot)', logits!, ref.logits.flat(2));
    logits!.dispose();
    cache.dispose();
    model.dispose();
  });
});
