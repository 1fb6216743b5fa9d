/**
 * Hook wiring: every point fires once, patching it with its own value changes nothing and
 * patching it with noise changes the logits. The values the points hold are checked against the
 * independent reference in hookValues.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { allHookNames, isOptionalHook } from '../../src/main/engine/hookNames';
import { InputError } from '../../src/main/engine/model';
import { maxRelativeError, referenceLogits } from './referenceGpt2';
import { randomModel, randomTokens, refConfig, startBackend, tinyConfig } from '../helpers/engine';

beforeAll(startBackend);

const VARIANTS: Record<string, Record<string, unknown>> = {
  'GPT-2 block': {},
  'attention-only, no LayerNorm': { attn_only: true, normalization_type: null },
};

describe('hook points', () => {
  for (const [label, hf] of Object.entries(VARIANTS)) {
    it(`patching every activation with its own cached value leaves the logits unchanged, and noise there changes them (${label})`, async () => {
      const config = tinyConfig(hf);
      const { model } = randomModel(config, 3);
      const tokens = randomTokens(2, 6, config.vocabSize, 5);
      const names = allHookNames(config);
      // Standard points are cached from a plain run (exactly reproducible); the optional points
      // (split q/k/v inputs, per-head results) from a run that materialises them.
      const { logits: clean, cache } = model.runWithCache(tokens);
      const { logits: viaHeads, cache: optional } = model.runWithCache(tokens, names.filter(isOptionalHook));
      expect([...cache.names, ...optional.names].sort()).toEqual([...names].sort());
      const cleanData = await clean!.data();
      for (const name of names) {
        let fired = 0;
        const source = isOptionalHook(name) ? optional : cache;
        const patched = model.runWithHooks(tokens, [{ name, fn: () => { fired++; return source.get(name); } }]);
        expect(fired, name).toBe(1);
        // Optional points take the per-head route through the layer: equal up to fp32 rounding.
        const tol = isOptionalHook(name) ? 1e-5 : 0;
        expect(maxRelativeError(await patched.data(), cleanData), name).toBeLessThanOrEqual(tol);
        patched.dispose();
        // And the replacement is what the rest of the run reads: noise added here moves the logits.
        // (Noise, not a rescaling or a constant shift, which a LayerNorm after the point would undo.)
        const noisy = model.runWithHooks(tokens, [{ name, fn: (x) => x.add(tf.randomNormal(x.shape, 0, 0.5, 'float32', 3)) }]);
        expect(maxRelativeError(await noisy.data(), cleanData), `${name} is live`).toBeGreaterThan(1e-3);
        noisy.dispose();
      }
      viaHeads!.dispose();
      optional.dispose();
      // And a hook that changes an activation does change the logits (the hooks are live).
      const zeroed = model.runWithHooks(tokens, [{ name: 'blocks.1.hook_resid_pre', fn: (x) => x.mul(0) }]);
      expect(maxRelativeError(await zeroed.data(), cleanData)).toBeGreaterThan(1e-2);
      zeroed.dispose();
      clean!.dispose();
      cache.dispose();
      model.dispose();
    });
  }

  it('replacing one head of blocks.L.attn.hook_z changes the logits exactly as the reference does', async () => {
    const config = tinyConfig({ n_layer: 3 });
    const { model, params } = randomModel(config, 21);
    const tokens = randomTokens(2, 5, config.vocabSize, 8);
    const layer = 1;
    const head = 2;
    const dh = config.dHead;
    const replacement = tokens.map((row, b) => row.map((_, t) => Array.from({ length: dh }, (_, i) => Math.sin(1 + b + 3 * t + 7 * i))));
    const logits = model.runWithHooks(tokens, [{
      name: `blocks.${layer}.attn.hook_z`,
      fn: (z) => {
        // z: [B, T, H, dh]; write the replacement into one head
        const onehead = tf.tensor(replacement).expandDims(2); // [B, T, 1, dh]
        const mask = tf.oneHot(head, config.nHead).reshape([1, 1, config.nHead, 1]); // [1, 1, H, 1]
        return z.mul(tf.sub(1, mask)).add(onehead.mul(mask)); // [B, T, H, dh]
      },
    }], { logits: 'all' });
    const expected = referenceLogits(refConfig(config), params, tokens, { layer, head, value: replacement }).flat(2);
    expect(maxRelativeError(await logits.data(), expected)).toBeLessThan(1e-4);
    // The replacement mattered: the unpatched logits differ from the patched reference.
    const unpatched = model.forward(tokens);
    expect(maxRelativeError(await unpatched.data(), expected)).toBeGreaterThan(1e-3);
    logits.dispose();
    unpatched.dispose();
    model.dispose();
  });

  it('per-head results sum to the attention output minus its bias', async () => {
    const config = tinyConfig();
    const { model } = randomModel(config, 4);
    const tokens = randomTokens(2, 5, config.vocabSize, 1);
    const { logits, cache } = model.runWithCache(tokens, ['blocks.0.attn.hook_result', 'blocks.0.hook_attn_out']);
    const summed = tf.tidy(() => cache.get('blocks.0.attn.hook_result').sum(2).add(model.weights.blocks[0].bO)); // [B, T, D]
    expect(maxRelativeError(await summed.data(), await cache.get('blocks.0.hook_attn_out').data())).toBeLessThan(1e-5);
    summed.dispose();
    logits?.dispose();
    cache.dispose();
    model.dispose();
  });

  it('split q/k/v inputs: feeding one head a different key stream changes only that route', async () => {
    const config = tinyConfig();
    const { model } = randomModel(config, 9);
    const tokens = randomTokens(1, 6, config.vocabSize, 2);
    const { logits: clean, cache } = model.runWithCache(tokens, ['blocks.1.attn.hook_q', 'blocks.1.attn.hook_k']);
    const { logits: hooked, cache: patched } = model.runWithCache(tokens, ['blocks.1.attn.hook_q', 'blocks.1.attn.hook_k'], {}, [{
      name: 'blocks.1.hook_k_input',
      // head 0's key input gets an extra direction (not a rescaling, which LayerNorm would undo)
      fn: (x) => x.add(tf.oneHot(0, config.nHead).reshape([1, 1, config.nHead, 1]).mul(tf.linspace(-2, 3, config.dModel))), // [B, T, H, D]
    }]);
    const qDiff = maxRelativeError(await patched.get('blocks.1.attn.hook_q').data(), await cache.get('blocks.1.attn.hook_q').data());
    expect(qDiff).toBeLessThan(1e-5);
    const kNew = (await patched.get('blocks.1.attn.hook_k').array()) as number[][][][];
    const kOld = (await cache.get('blocks.1.attn.hook_k').array()) as number[][][][];
    const headDiff = (h: number): number => Math.max(...kNew[0].map((row, t) => Math.max(...row[h].map((x, i) => Math.abs(x - kOld[0][t][h][i])))));
    expect(headDiff(0)).toBeGreaterThan(1e-3);
    for (let h = 1; h < config.nHead; h++) expect(headDiff(h)).toBeLessThan(1e-5);
    for (const t of [clean, hooked]) t?.dispose();
    cache.dispose();
    patched.dispose();
    model.dispose();
  });

  it('runWithCache and runWithHooks leave no tensors behind', () => {
    const config = tinyConfig();
    const { model } = randomModel(config, 2);
    const tokens = randomTokens(2, 5, config.vocabSize, 3);
    const before = tf.memory().numTensors;
    const { logits, cache } = model.runWithCache(tokens, allHookNames(config));
    // Exactly the cached activations and the logits are alive: no intermediate leaked.
    // (Identity points such as hook_mlp_in share their tensor with the point before them.)
    const distinctCached = new Set(cache.names.map((n) => cache.get(n))).size;
    expect(tf.memory().numTensors).toBe(before + distinctCached + 1);
    logits!.dispose();
    cache.dispose();
    const hooked = model.runWithHooks(tokens, [{ name: () => true, fn: (x) => x.mul(1) }]);
    hooked.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => model.runWithHooks(tokens, [{ name: 'hook_embed', fn: () => tf.zeros([1, 1]) }])).toThrow(/returned shape \[1,1\]/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('a run started at layer L from the cached residual reproduces the full run', async () => {
    const config = tinyConfig({ n_layer: 3 });
    const { model } = randomModel(config, 6);
    const tokens = randomTokens(2, 5, config.vocabSize, 4);
    const { logits: full, cache } = model.runWithCache(tokens, ['blocks.2.hook_resid_pre'], { logits: 'last' });
    const { logits: tail, cache: empty } = model.runFromLayer(2, cache.get('blocks.2.hook_resid_pre'), [], { logits: 'last' });
    expect(maxRelativeError(await tail!.data(), await full!.data())).toBeLessThan(1e-6);
    expect(() => model.runFromLayer(2, cache.get('blocks.2.hook_resid_pre'), [{ name: 'blocks.0.hook_z', fn: () => undefined }])).toThrow(/before the start layer 2/);
    for (const t of [full, tail]) t?.dispose();
    cache.dispose();
    empty.dispose();
    model.dispose();
  });

  it('stopAtLayer returns the residual and no logits', async () => {
    const config = tinyConfig({ n_layer: 3 });
    const { model } = randomModel(config, 6);
    const tokens = randomTokens(1, 4, config.vocabSize, 4);
    const { cache } = model.runWithCache(tokens, ['blocks.1.hook_resid_post']);
    const partial = model.runWithCache(tokens, [], { stopAtLayer: 2 });
    expect(partial.logits).toBeUndefined();
    expect(maxRelativeError(await partial.resid!.data(), await cache.get('blocks.1.hook_resid_post').data())).toBe(0);
    partial.resid!.dispose();
    cache.dispose();
    model.dispose();
  });
});

describe('logits restricted to the positions asked for', () => {
  it("'last' and per-row positions equal the matching rows of the full unembedding", async () => {
    const config = tinyConfig();
    const { model } = randomModel(config, 12);
    const tokens = randomTokens(3, 6, config.vocabSize, 13);
    const all = (await model.forward(tokens, 'all').array()) as number[][][];
    const last = model.forward(tokens, 'last');
    expect(last.shape).toEqual([3, config.vocabSize]);
    expect(maxRelativeError(await last.data(), all.map((row) => row[5]).flat())).toBeLessThan(1e-6);
    const picked = model.forward(tokens, [0, 3, 5]);
    expect(maxRelativeError(await picked.data(), [all[0][0], all[1][3], all[2][5]].flat())).toBeLessThan(1e-6);
    last.dispose();
    picked.dispose();
    expect(() => model.forward(tokens, [0, 9, 1])).toThrow(/position 9 for row 1 is outside 0..5/);
    model.dispose();
  });
});

describe('bad input is refused with a precise message', () => {
  it('names the row, position and limit', () => {
    const config = tinyConfig();
    const { model } = randomModel(config, 1);
    const before = tf.memory().numTensors;
    expect(() => model.forward([[1, 2, 3], [1, 2]])).toThrow(new InputError('row 1 has 2 tokens, row 0 has 3: rows of a batch must have the same length'));
    expect(() => model.forward([[1, 99]])).toThrow(/token id 99 at row 0, position 1 is outside the vocabulary \(0..22\)/);
    expect(() => model.forward([Array(17).fill(0)])).toThrow(/17 tokens; the model's context is 16/);
    expect(() => model.forward([])).toThrow(/empty/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
