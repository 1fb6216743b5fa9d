/** Exact decompositions: DLA components add up to the logit difference; the lens ends at it. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { directLogitAttribution } from '../../src/main/analysis/dla';
import { logitDifference, logitLens } from '../../src/main/analysis/logitLens';
import { batchFromTokens } from '../../src/main/analysis/promptBatch';
import { randomModel, randomTokens, startBackend, tinyConfig } from '../helpers/engine';

beforeAll(startBackend);

const VARIANTS: Record<string, Record<string, unknown>> = {
  'GPT-2 block (LN, tied)': {},
  'LN, untied, unembedding bias': { tie_word_embeddings: false, unembed_bias: true },
  'LNPre (folded)': { normalization_type: 'LNPre', unembed_bias: true, tie_word_embeddings: false },
  'attention-only, no LayerNorm': { attn_only: true, normalization_type: null },
};

function task(vocab: number, seed: number) {
  // two lengths, so results are assembled across groups back into dataset order
  const rows = [...randomTokens(3, 6, vocab, seed), ...randomTokens(2, 8, vocab, seed + 1)];
  return batchFromTokens(rows.map((r, i) => ({ clean: r, corrupted: r.map((t, p) => (p === 2 ? (t + 1) % vocab : t)), correct: (i * 5 + 1) % vocab, incorrect: (i * 7 + 2) % vocab })));
}

describe('direct logit attribution and the logit lens', () => {
  for (const [label, hf] of Object.entries(VARIANTS)) {
    it(`components sum to the logit difference to 1e-4; the lens's last stage equals it (${label})`, async () => {
      const config = tinyConfig({ n_layer: 3, ...hf });
      const { model, params } = randomModel(config, 9, 0.4);
      const batch = task(config.vocabSize, 2);
      const before = tf.memory().numTensors;
      const diff = await logitDifference(model, batch);
      const dla = await directLogitAttribution(model, batch);
      const lensRecomputed = await logitLens(model, batch);
      const lensFrozen = await logitLens(model, batch, { scale: 'frozen' });
      const corruptedDla = await directLogitAttribution(model, batch, { side: 'corrupted' });
      expect(tf.memory().numTensors).toBe(before);

      expect(dla.components).toHaveLength(dla.perPrompt[0].length);
      for (let i = 0; i < batch.size; i++) {
        const total = dla.perPrompt[i].reduce((a, b) => a + b, 0);
        expect(Math.abs(total - diff.clean[i]), `prompt ${i}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(diff.clean[i])));
        expect(dla.logitDiff[i]).toBeCloseTo(diff.clean[i], 5);
        expect(corruptedDla.sumOfComponents[i]).toBeCloseTo(diff.corrupted[i], 4);
        expect(lensRecomputed.perPrompt[i].at(-1)!).toBeCloseTo(diff.clean[i], 4);
        expect(lensFrozen.perPrompt[i].at(-1)!).toBeCloseTo(diff.clean[i], 4);
      }
      // per head by source position adds up to the head's contribution (mean over a group)
      const H = config.nHead;
      for (const group of dla.byPosition) {
        const rows = batch.groups.find((g) => g.length === group.length)!.rows;
        for (let l = 0; l < config.nLayer; l++) {
          for (let h = 0; h < H; h++) {
            const k = dla.components.indexOf(`L${l}H${h}`);
            const expected = rows.reduce((s, r) => s + dla.perPrompt[r][k], 0) / rows.length;
            const T = group.length;
            const sum = group.values.slice((l * H + h) * T, (l * H + h + 1) * T).reduce((a, b) => a + b, 0);
            expect(sum).toBeCloseTo(expected, 4);
          }
        }
      }
      // the lens at the embeddings, by hand: ln_final(embed + pos) . (U[c] - U[i]) + ub[c] - ub[i]
      const first = batch.groups[0];
      const ids = first.clean[0];
      const D = config.dModel;
      const wte = params.get('wte.weight')!.data;
      const wpe = params.get('wpe.weight')!.data;
      const U = config.tiedEmbeddings ? wte : params.get('lm_head.weight')!.data;
      const ub = params.get('lm_head.bias')?.data;
      const x = Array.from({ length: D }, (_, d) => wte[ids.at(-1)! * D + d] + wpe[(ids.length - 1) * D + d]);
      let y = x;
      if (config.normalization !== 'none') {
        const m = x.reduce((a, b) => a + b, 0) / D;
        const s = Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / D + config.lnEps);
        const w = params.get('ln_f.weight')?.data;
        const b = params.get('ln_f.bias')?.data;
        y = x.map((v, d) => ((v - m) / s) * (w ? w[d] : 1) + (b ? b[d] : 0));
      }
      const [c, inc] = [first.correct[0], first.incorrect[0]];
      const byHand = y.reduce((acc, v, d) => acc + v * (U[c * D + d] - U[inc * D + d]), 0) + (ub ? ub[c] - ub[inc] : 0);
      expect(lensRecomputed.perPrompt[first.rows[0]][0]).toBeCloseTo(byHand, 4);
      expect(lensRecomputed.stages[0]).toBe('embed');
      expect(lensRecomputed.stages).toHaveLength(1 + config.nLayer * (config.attnOnly ? 1 : 2));
      expect(dla.convention).toMatch(config.normalization === 'none' ? /no final LayerNorm/ : /frozen LayerNorm scale/);
      model.dispose();
    });
  }
});
