import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { copyScores } from '../../src/main/analysis/copyScores';
import { defaultCopyInput } from '../../src/shared/api/analysisKinds';
import { headCorrelation } from '../../src/main/analysis/correlation';
import { batchFromTokens } from '../../src/main/analysis/promptBatch';
import { randomModel, startBackend, tinyConfig } from '../helpers/engine';
import { ANTI_HEAD, COPY_HEAD, GAIN, H, V, copyTask, dot, handBuiltModel, type HandBuilt } from './handBuilt';

let hb: HandBuilt;
beforeAll(async () => {
  await startBackend();
  hb = handBuiltModel();
});
afterAll(() => hb.model.dispose());

const candidates = Array.from({ length: V - 1 }, (_, i) => i + 1); // every token but BOS

describe('OV copy scores', () => {
  it('the copy head scores 1, the anti head has negative score 1, the others sit near the average head', async () => {
    const before = tf.memory().numTensors;
    const r = await copyScores(hb.model, candidates, { k: 5, antonyms: [[1, 2], [3, 4]] });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.shape).toEqual([1, H]);
    expect(r.copying[COPY_HEAD]).toBe(1);
    expect(r.negative[COPY_HEAD]).toBe(0);
    expect(r.negative[ANTI_HEAD]).toBe(1);
    expect(r.copying[ANTI_HEAD]).toBe(0);
    // copy and anti heads cancel in the average, which is left with the random heads: near chance
    expect(r.chance).toBeCloseTo(5 / V, 10);
    expect(Math.abs(r.averageHead.copying - r.chance)).toBeLessThan(0.15);
    for (let h = 0; h < H; h++) {
      if (h === COPY_HEAD || h === ANTI_HEAD) continue;
      expect(Math.abs(r.copying[h] - r.averageHead.copying), `head ${h}`).toBeLessThan(0.2);
    }
    // antonym pairs: the copy head puts a token's own logit first, so its partner ranks by similarity only
    expect(r.antonym).toHaveLength(H);
  });

  it('matches a Float64 computation of ranks on a random LayerNorm model, from embeddings and from the residual after MLP0', async () => {
    const config = tinyConfig({ n_layer: 2, n_head: 2, n_embd: 12, vocab_size: 30 });
    const { model, params } = randomModel(config, 17, 0.5);
    const tokens = Array.from({ length: config.vocabSize }, (_, t) => t);
    const k = 1;
    const D = config.dModel;
    const M = config.dMlp;
    const dh = config.dHead;
    const get = (name: string): Float32Array => params.get(name)!.data;
    const wte = get('wte.weight');
    const norm = (x: number[], w: Float32Array, b?: Float32Array) => {
      const m = x.reduce((a, v) => a + v, 0) / D;
      const s = Math.sqrt(x.reduce((a, v) => a + (v - m) ** 2, 0) / D + config.lnEps);
      return x.map((v, i) => ((v - m) / s) * w[i] + (b ? b[i] : 0));
    };
    const geluNew = (z: number) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3)));
    const embedding = (t: number) => Array.from(wte.subarray(t * D, (t + 1) * D));
    // x + MLP0(LN2(x)) with every bias, attention ignored
    const afterMlp0 = (t: number) => {
      const x = embedding(t);
      const n = norm(x, get('h.0.ln_2.weight'), get('h.0.ln_2.bias'));
      const wFc = get('h.0.mlp.c_fc.weight');
      const wOut = get('h.0.mlp.c_proj.weight');
      const hidden = Array.from({ length: M }, (_, j) => geluNew(n.reduce((s, v, d) => s + v * wFc[d * M + j], get('h.0.mlp.c_fc.bias')[j])));
      return x.map((v, d) => v + hidden.reduce((s, hv, j) => s + hv * wOut[j * D + d], get('h.0.mlp.c_proj.bias')[d]));
    };
    expect(config.activation).toBe('gelu_new');
    for (const [input, residual] of [['embed', embedding], ['mlp0', afterMlp0]] as const) {
      const r = await copyScores(model, tokens, { k, input });
      expect(r.input).toBe(input);
      for (let l = 0; l < 2; l++) {
        const cAttn = get(`h.${l}.attn.c_attn.weight`);
        const wO = get(`h.${l}.attn.c_proj.weight`);
        for (let h = 0; h < 2; h++) {
          let copies = 0;
          for (const t of tokens) {
            const x = norm(residual(t), get(`h.${l}.ln_1.weight`));
            const v = Array.from({ length: dh }, (_, i) => x.reduce((s, xv, d) => s + xv * cAttn[d * 3 * D + 2 * D + h * dh + i], 0));
            const out = Array.from({ length: D }, (_, d) => v.reduce((s, vv, i) => s + vv * wO[(h * dh + i) * D + d], 0));
            const y = norm(out, get('ln_f.weight'));
            const logits = Array.from({ length: config.vocabSize }, (_, u) => dot(y, embedding(u)));
            if (logits.filter((z) => z > logits[t]).length < k) copies++;
          }
          expect(r.copying[l * 2 + h], `${input} L${l}H${h}`).toBeCloseTo(copies / tokens.length, 10);
        }
      }
    }
    model.dispose();
  });

  it('reads what the workbench, the CLI and the study read when no input is named (defaultCopyInput)', async () => {
    const config = tinyConfig({ n_layer: 1, n_head: 2, n_embd: 12, vocab_size: 30 });
    const { model } = randomModel(config, 5, 0.5);
    const tokens = [3, 5, 8, 13, 21, 29];
    const plain = await copyScores(model, tokens, { k: 3 });
    expect(plain.input).toBe(defaultCopyInput(false));
    expect(plain.copying).toEqual((await copyScores(model, tokens, { k: 3, input: defaultCopyInput(false) })).copying);
    model.dispose();
    expect((await copyScores(hb.model, candidates, { k: 5 })).input).toBe(defaultCopyInput(true));
  });

  it('refuses what it cannot compute, with the reason', async () => {
    await expect(copyScores(hb.model, candidates, { input: 'mlp0' })).rejects.toThrow(/attention-only/);
    await expect(copyScores(hb.model, [1, 99])).rejects.toThrow(/token id 99 is outside the vocabulary \(0..47\)/);
    await expect(copyScores(hb.model, [1, 2], { antonyms: [[1, 7]] })).rejects.toThrow(/antonym pair \(1, 7\) is not among the candidate tokens/);
  });
});

describe('correlation plots', () => {
  it('the copy head projects GAIN e[A].e[t] on each answer and attends to the correct answer only', async () => {
    const pairs = copyTask(8, 5);
    const batch = batchFromTokens(pairs);
    const byAttention = await headCorrelation(hb.model, batch, 0, COPY_HEAD, { y: 'attention' });
    const byLogit = await headCorrelation(hb.model, batch, 0, COPY_HEAD, { y: 'logit' });
    expect(byAttention.points).toHaveLength(16);
    const e = hb.embedding;
    byAttention.points.forEach((p) => {
      const a = pairs[p.row].correct;
      expect(p.projection).toBeCloseTo(GAIN * dot(e[a], e[p.token]), 4);
      const occursElsewhere = pairs[p.row].clean.slice(2).includes(p.token);
      if (p.answer === 'correct') expect(p.y).toBeGreaterThan(1 - 1e-6);
      else if (!occursElsewhere) expect(p.y).toBeLessThan(1e-6);
    });
    const logits = hb.model.forward(pairs.map((p) => p.clean), 'last');
    const rows = (await logits.array()) as number[][];
    logits.dispose();
    byLogit.points.forEach((p) => expect(p.y).toBeCloseTo(rows[p.row][p.token], 4));
    expect(byLogit.pearson.all).toBeGreaterThan(0.9);
  });
});
