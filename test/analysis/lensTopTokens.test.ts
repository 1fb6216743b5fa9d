/**
 * Logit lens top tokens against a plain reference: the cached residual of each stage, LayerNorm
 * (mean, variance, ln_final.w, ln_final.b), the unembedding and a softmax computed here in
 * float64, sorted; and the last stage against the model's own logits at every position.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import type { HookedGPT2 } from '../../src/main/engine/model';
import { lensTopTokens } from '../../src/main/analysis/lensTopTokens';
import { residualStages } from '../../src/main/analysis/logitLens';
import { attentionPatterns } from '../../src/main/analysis/attention';
import { randomModel, startBackend, tinyConfig } from '../helpers/engine';

const config = tinyConfig({ n_embd: 16, n_head: 2, n_layer: 2, vocab_size: 29, n_positions: 16 });
const ids = [0, 7, 3, 12, 3, 20, 9];
const K = 4;
const names = (t: number[]): string[] => t.map((id) => `t${id}`);

beforeAll(startBackend);

function softmaxTop(logits: number[], k: number): { id: number; prob: number }[] {
  const max = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x, id) => ({ id, prob: x / z })).sort((a, b) => b.prob - a.prob).slice(0, k);
}

/** Reference lens logits of one residual vector [D]. */
async function referenceLogits(model: HookedGPT2, x: number[]): Promise<number[]> {
  const D = x.length;
  const mu = x.reduce((a, b) => a + b, 0) / D;
  const variance = x.reduce((a, b) => a + (b - mu) ** 2, 0) / D;
  const w = model.weights.lnF ? Array.from(await model.weights.lnF.w.data()) : new Array<number>(D).fill(1);
  const b = model.weights.lnF ? Array.from(await model.weights.lnF.b.data()) : new Array<number>(D).fill(0);
  const normed = x.map((v, i) => ((v - mu) / Math.sqrt(variance + model.config.lnEps)) * w[i] + b[i]);
  const U = await model.weights.unembed.data(); // [V, D]
  const bias = model.weights.unembedBias ? await model.weights.unembedBias.data() : undefined;
  return Array.from({ length: model.config.vocabSize }, (_, v) => normed.reduce((s, n, i) => s + n * U[v * D + i], bias ? bias[v] : 0));
}

describe('logit lens top tokens', () => {
  it('match a float64 reference at every stage and position, leaving no tensors behind', async () => {
    const { model } = randomModel(config, 5, 0.5);
    const start = tf.memory().numTensors;
    const r = await lensTopTokens(model, ids, K, names);
    expect(tf.memory().numTensors).toBe(start);
    const stages = residualStages(model);
    expect(r.stages).toEqual(stages.map((s) => s.label));
    expect(r.tokens).toEqual(names(ids));
    const { cache } = model.runWithCache([ids], stages.map((s) => s.name), { logits: 'none' });
    const D = config.dModel;
    for (const [s, stage] of stages.entries()) {
      const resid = await cache.get(stage.name).data(); // [1, T, D]
      for (let t = 0; t < ids.length; t++) {
        const want = softmaxTop(await referenceLogits(model, Array.from(resid.subarray(t * D, (t + 1) * D))), K);
        const got = r.top[s][t];
        expect(got.map((g) => g.id), `${stage.label} position ${t}`).toEqual(want.map((w) => w.id));
        got.forEach((g, i) => {
          expect(g.prob).toBeCloseTo(want[i].prob, 5);
          expect(g.token).toBe(`t${g.id}`);
        });
      }
    }
    cache.dispose();
    model.dispose();
  });

  it('the last stage is the model\'s own prediction at every position', async () => {
    const { model } = randomModel(config, 6, 0.5);
    const r = await lensTopTokens(model, ids, 3, names);
    const logits = model.forward([ids], 'all'); // [1, T, V]
    const all = await logits.data();
    logits.dispose();
    const V = config.vocabSize;
    const last = r.top[r.top.length - 1];
    for (let t = 0; t < ids.length; t++) {
      const want = softmaxTop(Array.from(all.subarray(t * V, (t + 1) * V)), 3);
      expect(last[t].map((g) => g.id)).toEqual(want.map((w) => w.id));
      last[t].forEach((g, i) => expect(g.prob).toBeCloseTo(want[i].prob, 5));
    }
    model.dispose();
  });

  it('reports progress and stops when cancelled, leaving no tensors behind', async () => {
    const { model } = randomModel(config, 9);
    const reports: [number, number][] = [];
    await lensTopTokens(model, ids, 2, names, { onProgress: (d, t) => reports.push([d, t]) });
    expect(reports.at(-1)).toEqual([reports.at(-1)![1], reports.at(-1)![1]]);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    const start = tf.memory().numTensors;
    const controller = new AbortController();
    await expect(lensTopTokens(model, ids, 2, names, { signal: controller.signal, onProgress: () => controller.abort() })).rejects.toThrow('the analysis was cancelled');
    expect(tf.memory().numTensors).toBe(start);
    model.dispose();
  });

  it('refuses a k outside the vocabulary', async () => {
    const { model } = randomModel(config, 7);
    await expect(lensTopTokens(model, ids, 0, names)).rejects.toThrow('k must be an integer in 1..29, got 0');
    await expect(lensTopTokens(model, ids, 30, names)).rejects.toThrow('k must be an integer in 1..29, got 30');
    model.dispose();
  });
});

describe('attention patterns of chosen layers', () => {
  it('one layer is that layer of the whole-model grid, read from the pattern hook; no tensors are left behind', async () => {
    const { model } = randomModel(config, 8, 0.5);
    const start = tf.memory().numTensors;
    const one = await attentionPatterns(model, ids, names(ids), [1]);
    const all = await attentionPatterns(model, ids, names(ids));
    expect(tf.memory().numTensors).toBe(start);
    expect(one.layers).toEqual([1]);
    expect(all.layers).toEqual([0, 1]);
    const { cache } = model.runWithCache([ids], 'blocks.1.attn.hook_pattern', { logits: 'none' });
    const direct = Array.from(await cache.get('blocks.1.attn.hook_pattern').data()); // [1, H, T, T]
    cache.dispose();
    expect(one.values).toEqual(direct);
    expect(all.values.slice(direct.length)).toEqual(direct);
    await expect(attentionPatterns(model, ids, names(ids), [2])).rejects.toThrow('layer 2 is outside 0..1');
    model.dispose();
  });
});
