/**
 * Every direct-logit-attribution component on its own (each head, each b_O, each MLP, each
 * b_out, both embeddings, the constant) and the per-source-position head table, against values
 * computed here from the independent Float64 reference's activations and the raw parameters:
 *
 *   component c = x_c(last) . e / s,   e = centred(ln_f.w * (U[correct] - U[incorrect])),
 *   s = the reference's ln_final scale at the last position (e = dir, s = 1 without LayerNorm).
 *
 * Tolerance: |engine - reference| <= 1e-4 x the largest |component| of that prompt.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { directLogitAttribution } from '../../src/main/analysis/dla';
import { batchFromTokens } from '../../src/main/analysis/promptBatch';
import { referenceRun } from '../engine/referenceGpt2';
import { randomModel, randomTokens, refConfig, startBackend, tinyConfig } from '../helpers/engine';
import type { ParamDict } from '../../src/main/engine/params';

const TOLERANCE = 1e-4;

beforeAll(startBackend);

const VARIANTS: { label: string; hf: Record<string, unknown> }[] = [
  { label: 'LN, gelu_new, tied', hf: {} },
  { label: 'LNPre, untied unembedding with bias, 3 layers', hf: { normalization_type: 'LNPre', tie_word_embeddings: false, unembed_bias: true, n_layer: 3 } },
  { label: 'no LayerNorm, ReLU', hf: { normalization_type: null, activation_function: 'relu' } },
  { label: 'attention-only with LayerNorm', hf: { attn_only: true } },
];

const row = (p: ParamDict, name: string, r: number, width: number): number[] => Array.from(p.get(name)!.data.subarray(r * width, (r + 1) * width));
const vec = (p: ParamDict, name: string): number[] => Array.from(p.get(name)!.data);
const dotv = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);

describe('every DLA component matches its independent value', () => {
  for (const { label, hf } of VARIANTS) {
    it(label, async () => {
      const config = tinyConfig(hf);
      const { model, params } = randomModel(config, 41);
      const D = config.dModel;
      const H = config.nHead;
      const dh = config.dHead;
      // Two prompt lengths, interleaved, so rows come back in dataset order across groups.
      const lengths = [5, 3, 5, 3, 5];
      const pairs = lengths.map((T, i) => {
        const clean = randomTokens(1, T, config.vocabSize, 100 + i)[0];
        const correct = (3 * i + 1) % config.vocabSize;
        return { clean, corrupted: clean, correct, incorrect: (correct + 5) % config.vocabSize };
      });
      const before = tf.memory().numTensors;
      const dla = await directLogitAttribution(model, batchFromTokens(pairs));
      expect(tf.memory().numTensors).toBe(before);

      const U = (t: number): number[] => (config.tiedEmbeddings ? row(params, 'wte.weight', t, D) : row(params, 'lm_head.weight', t, D));
      const lnW = config.normalization === 'LN' ? vec(params, 'ln_f.weight') : new Array<number>(D).fill(1);
      const lnB = config.normalization === 'LN' ? vec(params, 'ln_f.bias') : new Array<number>(D).fill(0);
      const ub = config.unembedBias ? vec(params, 'lm_head.bias') : new Array<number>(config.vocabSize).fill(0);
      const byPositionSums = new Map<number, number[]>(); // length -> [L, H, T] sums over its prompts

      pairs.forEach((pair, i) => {
        const T = pair.clean.length;
        const ref = referenceRun(refConfig(config), params, [pair.clean]);
        const at = (name: string): number[] => ref.activations.get(name)![0];
        const last = (name: string, width = D): number[] => at(name).slice((T - 1) * width, T * width);
        const dir = U(pair.correct).map((x, k) => x - U(pair.incorrect)[k]);
        let e = dir;
        let s = 1;
        if (config.normalization !== 'none') {
          const weighted = dir.map((x, k) => x * lnW[k]);
          const m = weighted.reduce((a, b) => a + b, 0) / D;
          e = weighted.map((x) => x - m);
          s = at('ln_final.hook_scale')[T - 1];
        }
        const project = (x: readonly number[]): number => dotv(x, e) / s;
        const expected = new Map<string, number>();
        expected.set('embed', project(last('hook_embed')));
        expected.set('pos_embed', project(last('hook_pos_embed')));
        for (let l = 0; l < config.nLayer; l++) {
          const wO = params.get(`h.${l}.attn.c_proj.weight`)!.data; // [H*dh, D]
          const z = last(`blocks.${l}.attn.hook_z`); // [H*dh]
          const v = at(`blocks.${l}.attn.hook_v`); // [T, H*dh]
          const pattern = at(`blocks.${l}.attn.hook_pattern`); // [H, T, T]
          for (let h = 0; h < H; h++) {
            // z_h W_O^h, written out here (not the reference's hook_result)
            const out = new Array<number>(D).fill(0);
            for (let i = 0; i < dh; i++) for (let j = 0; j < D; j++) out[j] += z[h * dh + i] * wO[(h * dh + i) * D + j];
            expected.set(`L${l}H${h}`, project(out));
            // by source position: pattern[last, src] * (v_src W_O^h) . e / s
            const sums = byPositionSums.get(T) ?? new Array<number>(config.nLayer * H * T).fill(0);
            byPositionSums.set(T, sums);
            for (let src = 0; src < T; src++) {
              const vOut = new Array<number>(D).fill(0);
              for (let k = 0; k < dh; k++) for (let j = 0; j < D; j++) vOut[j] += v[src * D + h * dh + k] * wO[(h * dh + k) * D + j];
              sums[(l * H + h) * T + src] += pattern[(h * T + (T - 1)) * T + src] * project(vOut);
            }
          }
          expected.set(`L${l} b_O`, project(vec(params, `h.${l}.attn.c_proj.bias`)));
          if (!config.attnOnly) {
            const post = last(`blocks.${l}.mlp.hook_post`, config.dMlp);
            const wOut = params.get(`h.${l}.mlp.c_proj.weight`)!.data; // [M, D]
            const neurons = new Array<number>(D).fill(0);
            for (let m = 0; m < config.dMlp; m++) for (let j = 0; j < D; j++) neurons[j] += post[m] * wOut[m * D + j];
            expected.set(`L${l} MLP`, project(neurons));
            expected.set(`L${l} b_out`, project(vec(params, `h.${l}.mlp.c_proj.bias`)));
          }
        }
        expected.set('ln_final.b + unembed bias', dotv(lnB, dir) + ub[pair.correct] - ub[pair.incorrect]);

        expect([...dla.components].sort()).toEqual([...expected.keys()].sort());
        const scale = Math.max(...[...expected.values()].map(Math.abs));
        for (const [name, value] of expected) {
          const got = dla.perPrompt[i][dla.components.indexOf(name)];
          expect(Math.abs(got - value), `prompt ${i}, ${name}: ${got} vs ${value}`).toBeLessThanOrEqual(TOLERANCE * scale);
        }
        // The components add up to the reference model's own logit difference.
        const logits = ref.logits[0][T - 1];
        const refDiff = logits[pair.correct] - logits[pair.incorrect];
        expect(Math.abs(dla.logitDiff[i] - refDiff)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(refDiff), scale));
        const sum = [...expected.values()].reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - refDiff)).toBeLessThanOrEqual(1e-9 * Math.max(1, scale));
      });

      expect(dla.kind).toBe('dla');
      expect(dla.side).toBe('clean');
      expect(dla.heads.shape).toEqual([config.nLayer, H]);
      expect(dla.attnLayers).toHaveLength(config.nLayer);
      // Layer totals are the means of heads + b_O and of MLP + b_out.
      const meanOf = (name: string): number => pairs.reduce((a, _, i) => a + dla.perPrompt[i][dla.components.indexOf(name)], 0) / pairs.length;
      for (let l = 0; l < config.nLayer; l++) {
        const heads = Array.from({ length: H }, (_, h) => meanOf(`L${l}H${h}`));
        expect(dla.heads.values.slice(l * H, (l + 1) * H)).toEqual(heads.map((x) => expect.closeTo(x, 10)));
        expect(dla.attnLayers[l]).toBeCloseTo(heads.reduce((a, b) => a + b, 0) + meanOf(`L${l} b_O`), 10);
        if (!config.attnOnly) expect(dla.mlpLayers[l]).toBeCloseTo(meanOf(`L${l} MLP`) + meanOf(`L${l} b_out`), 10);
      }
      expect(dla.mlpLayers).toHaveLength(config.attnOnly ? 0 : config.nLayer);

      // By position: the mean over each length group's prompts.
      expect(dla.byPosition.map((g) => g.length).sort()).toEqual([3, 5]);
      for (const group of dla.byPosition) {
        const n = lengths.filter((T) => T === group.length).length;
        expect(group.prompts).toBe(n);
        expect(group.shape).toEqual([config.nLayer, H, group.length]);
        expect(group.positions).toEqual(Array.from({ length: group.length }, (_, t) => String(t)));
        const expected = byPositionSums.get(group.length)!.map((x) => x / n);
        const scale = Math.max(...expected.map(Math.abs));
        group.values.forEach((x, k) => expect(Math.abs(x - expected[k]), `length ${group.length}, entry ${k}`).toBeLessThanOrEqual(TOLERANCE * scale));
      }
      model.dispose();
    });
  }
});
