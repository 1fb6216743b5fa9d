import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { blockHook } from '../../src/main/engine/hookNames';
import { congruence, rankNeurons, vocabProjection } from '../../src/main/analysis/congruence';
import { neuroscope } from '../../src/main/analysis/neuroscope';
import { trackTokens } from '../../src/main/analysis/trackTokens';
import { randomModel, randomTokens, startBackend, tinyConfig } from '../helpers/engine';
import { COPY_HEAD, GAIN, copyTask, dot, handBuiltModel, type HandBuilt } from './handBuilt';

let hb: HandBuilt;
beforeAll(async () => {
  await startBackend();
  hb = handBuiltModel();
});
afterAll(() => hb.model.dispose());

const config = tinyConfig({ n_layer: 2, n_head: 2, n_embd: 12, vocab_size: 30 });
const row = (data: Float32Array, r: number, width: number) => Array.from(data.subarray(r * width, (r + 1) * width));

describe('congruence', () => {
  it('hand-built: a token is congruent with its own unembedding, the copy head maps it onto GAIN x itself', async () => {
    const r = await congruence(
      hb.model,
      [{ kind: 'embed', token: 7 }, { kind: 'head-ov', layer: 0, head: COPY_HEAD, token: 7 }, { kind: 'pos-embed', position: 3 }],
      [{ kind: 'unembed', token: 7 }, { kind: 'unembed', token: 9 }],
    );
    expect(r.shape).toEqual([3, 2]);
    expect(r.rows[1]).toBe(`L0H${COPY_HEAD} OV(tok 7)`);
    const e = hb.embedding;
    expect(r.dot[0]).toBeCloseTo(1, 5);
    expect(r.cosine[0]).toBeCloseTo(1, 5);
    expect(r.dot[1]).toBeCloseTo(dot(e[7], e[9]), 5);
    expect(r.dot[2]).toBeCloseTo(GAIN, 4);
    expect(r.dot[4]).toBe(0); // positions live in dims the tokens do not use
    const top = await vocabProjection(hb.model, { kind: 'head-ov', layer: 0, head: COPY_HEAD, token: 7 }, 3);
    expect(top.top[0]).toMatchObject({ id: 7 });
    expect(top.top[0].value).toBeCloseTo(GAIN, 4);
  });

  it('random model: neuron output weights, residuals and neuron rankings against the parameters', async () => {
    const { model, params } = randomModel(config, 23, 0.5);
    const D = config.dModel;
    const M = config.dMlp;
    const wOut = params.get('h.1.mlp.c_proj.weight')!.data; // [M, D]
    const wte = params.get('wte.weight')!.data;
    const wpe = params.get('wpe.weight')!.data;
    const tokens = [4, 9, 2];
    const r = await congruence(model, [{ kind: 'neuron-out', layer: 1, neuron: 5 }, { kind: 'resid', layer: 0, stage: 'pre', tokens, position: 1 }], [{ kind: 'unembed', token: 11 }]);
    expect(r.dot[0]).toBeCloseTo(dot(row(wOut, 5, D), row(wte, 11, D)), 4);
    const resid = row(wte, 9, D).map((v, d) => v + wpe[1 * D + d]);
    expect(r.dot[1]).toBeCloseTo(dot(resid, row(wte, 11, D)), 4);
    // top and bottom tokens of neuron 5's output weights
    const proj = await vocabProjection(model, { kind: 'neuron-out', layer: 1, neuron: 5 }, 4);
    const byHand = Array.from({ length: config.vocabSize }, (_, t) => dot(row(wOut, 5, D), row(wte, t, D)));
    const order = byHand.map((_, i) => i).sort((a, b) => byHand[b] - byHand[a]);
    expect(proj.top.map((t) => t.id)).toEqual(order.slice(0, 4));
    expect(proj.bottom.map((t) => t.id)).toEqual(order.slice(-4).reverse());
    const ranked = await rankNeurons(model, 1, { kind: 'unembed', token: 11 }, 3);
    const neuronScores = Array.from({ length: M }, (_, n) => dot(row(wOut, n, D), row(wte, 11, D)));
    expect(ranked.top[0].id).toBe(neuronScores.indexOf(Math.max(...neuronScores)));
    await expect(congruence(model, [{ kind: 'neuron-out', layer: 2, neuron: 0 }], [{ kind: 'embed', token: 1 }])).rejects.toThrow(/layer 2 is outside 0..1/);
    await expect(congruence(model, [{ kind: 'neuron-out', layer: 1, neuron: M }], [{ kind: 'embed', token: 1 }])).rejects.toThrow(new RegExp(`neuron ${M} is outside`));
    model.dispose();
  });
});

describe('neuroscope', () => {
  it('finds the top-activating positions a full cached run shows, with per-token activations', async () => {
    const { model } = randomModel(config, 29, 0.5);
    const prompts = [...randomTokens(3, 5, config.vocabSize, 1), ...randomTokens(4, 7, config.vocabSize, 2)];
    const before = tf.memory().numTensors;
    const r = await neuroscope(model, prompts, 1, 13, { k: 5, rowsPerRun: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const reference: { p: number; t: number; a: number }[] = [];
    for (const [i, ids] of prompts.entries()) {
      const { cache } = model.runWithCache([ids], [blockHook(1, 'mlp.hook_post')]);
      const acts = (await cache.get(blockHook(1, 'mlp.hook_post')).array()) as number[][][];
      cache.dispose();
      acts[0].forEach((v, t) => reference.push({ p: i, t, a: v[13] }));
    }
    reference.sort((a, b) => b.a - a.a);
    expect(r.positions).toBe(reference.length);
    r.top.forEach((e, i) => {
      expect([e.prompt, e.position]).toEqual([reference[i].p, reference[i].t]);
      expect(e.activation).toBeCloseTo(reference[i].a, 5);
      expect(e.activations).toHaveLength(prompts[e.prompt].length);
      expect(e.activations[e.position]).toBe(e.activation);
    });
    model.dispose();
  });
});

describe('token tracking', () => {
  it('the copied token appears at the last position only after the layer; the position part separates exactly', async () => {
    const pairs = copyTask(4, 9);
    const prompts = pairs.map((p) => p.clean);
    const tracked = [pairs[0].correct, pairs[0].incorrect];
    const r = await trackTokens(hb.model, prompts.slice(0, 1), tracked);
    expect(r.stages).toEqual(['resid_pre L0', 'resid_post L0']);
    const g = r.groups[0];
    const [S, T, K] = g.shape;
    const at = (a: number[], s: number, t: number, k: number) => a[(s * T + t) * K + k];
    const e = hb.embedding;
    const last = prompts[0][T - 1];
    // before the layer: the last position holds only its own token (and position, orthogonal here)
    expect(at(g.total, 0, T - 1, 0)).toBeCloseTo(dot(e[last], e[tracked[0]]), 5);
    // after: the copy head has added GAIN * e[A]
    expect(at(g.total, S - 1, T - 1, 0) - at(g.total, 0, T - 1, 0)).toBeGreaterThan(GAIN - 0.5);
    expect(g.positionPart.every((v) => v === 0)).toBe(true);
  });

  it('random model: stage 0 minus the position part is the token embedding term', async () => {
    const { model, params } = randomModel(config, 31, 0.5);
    const D = config.dModel;
    const wte = params.get('wte.weight')!.data;
    const wpe = params.get('wpe.weight')!.data;
    const prompts = randomTokens(3, 6, config.vocabSize, 4);
    const r = await trackTokens(model, prompts, [2, 17], { direction: 'embed' });
    const g = r.groups[0];
    const [, T, K] = g.shape;
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < K; k++) {
        const dir = row(wte, [2, 17][k], D);
        expect(g.positionPart[t * K + k]).toBeCloseTo(dot(row(wpe, t, D), dir), 5);
        const meanTok = prompts.reduce((s, p) => s + dot(row(wte, p[t], D), dir), 0) / prompts.length;
        expect(g.withoutPosition[t * K + k]).toBeCloseTo(meanTok, 4);
      }
    }
    model.dispose();
  });
});
