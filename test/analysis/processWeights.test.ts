import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { HookedGPT2 } from '../../src/main/engine/model';
import type { ModelConfig } from '../../src/main/engine/config';
import { randomParams, type ParamDict } from '../../src/main/engine/params';
import { processWeights, type ProcessOptions } from '../../src/main/analysis/processWeights';
import { randomTokens, startBackend, tinyConfig } from '../helpers/engine';

beforeAll(startBackend);

async function logProbs(config: ModelConfig, params: ParamDict, tokens: number[][]): Promise<Float32Array> {
  const model = HookedGPT2.fromParams(config, params);
  const lp = tf.tidy(() => tf.logSoftmax(model.forward(tokens, 'all'))); // [B, T, V]
  const data = (await lp.data()) as Float32Array;
  lp.dispose();
  model.dispose();
  return data;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Random params with non-trivial LayerNorm weights and biases everywhere (biases drawn large too). */
function params(config: ModelConfig, seed: number): ParamDict {
  const p = randomParams(config, seed, 0.3);
  for (const [name, t] of p) if (/ln_.*bias|ln_f\.bias|c_attn\.bias|c_proj\.bias/.test(name)) t.data.forEach((_, i) => (t.data[i] = 0.2 * Math.sin(7 * i + name.length)));
  return p;
}

const ALL_STEPS: ProcessOptions = { foldLn: true, centerWritingWeights: true, centerUnembed: true, foldValueBiases: true };
const SINGLE: Record<string, ProcessOptions> = {
  foldLn: { foldLn: true, centerWritingWeights: false, centerUnembed: false, foldValueBiases: false },
  centerWritingWeights: { foldLn: false, centerWritingWeights: true, centerUnembed: false, foldValueBiases: false },
  centerUnembed: { foldLn: false, centerWritingWeights: false, centerUnembed: true, foldValueBiases: false },
  foldValueBiases: { foldLn: false, centerWritingWeights: false, centerUnembed: false, foldValueBiases: true },
  all: ALL_STEPS,
};

describe('weight processing', () => {
  const config = tinyConfig({ n_layer: 2, n_head: 4, n_embd: 16 });
  const tokens = randomTokens(3, 7, config.vocabSize, 12);

  for (const [label, opts] of Object.entries(SINGLE)) {
    it(`${label}: processed and unprocessed models give the same log-probabilities; the original is untouched`, async () => {
      const p = params(config, 3);
      const snapshot = new Map([...p].map(([k, v]) => [k, Float32Array.from(v.data)]));
      const out = processWeights(config, p, opts);
      const diff = maxAbsDiff(await logProbs(config, p, tokens), await logProbs(out.config, out.params, tokens));
      expect(diff).toBeLessThan(1e-4);
      for (const [k, v] of snapshot) expect(p.get(k)!.data, k).toEqual(v);
      expect(config.normalization).toBe('LN');
      expect(out.applied).toEqual(Object.entries(opts).filter(([, on]) => on).map(([k]) => k));
    });
  }

  it('the processed model has the properties the steps promise', () => {
    const out = processWeights(config, params(config, 4), ALL_STEPS);
    expect(out.config).toMatchObject({ normalization: 'LNPre', tiedEmbeddings: false, unembedBias: true });
    expect(out.params.has('ln_f.weight') || out.params.has('h.0.ln_1.weight')).toBe(false);
    const D = config.dModel;
    const rowMeans = (name: string) => {
      const t = out.params.get(name)!;
      const means: number[] = [];
      for (let r = 0; r < t.data.length; r += D) means.push(t.data.subarray(r, r + D).reduce((a, b) => a + b, 0) / D);
      return means;
    };
    for (const name of ['wte.weight', 'wpe.weight', 'h.1.attn.c_proj.weight', 'h.1.mlp.c_proj.bias']) {
      expect(Math.max(...rowMeans(name).map(Math.abs)), name).toBeLessThan(1e-5);
    }
    const bias = out.params.get('h.0.attn.c_attn.bias')!.data;
    expect(bias.subarray(2 * D).every((v) => v === 0)).toBe(true);
    const U = out.params.get('lm_head.weight')!.data;
    for (let d = 0; d < D; d++) {
      let m = 0;
      for (let v = 0; v < config.vocabSize; v++) m += U[v * D + d];
      expect(Math.abs(m / config.vocabSize)).toBeLessThan(1e-5);
    }
  });

  it('attention-only without LayerNorm: value biases and the unembedding can be processed, writing weights cannot', async () => {
    const c = tinyConfig({ attn_only: true, normalization_type: null });
    const p = params(c, 5);
    const out = processWeights(c, p, { foldLn: true, centerWritingWeights: false, centerUnembed: true, foldValueBiases: true });
    expect(out.applied).toEqual(['centerUnembed', 'foldValueBiases']);
    expect(maxAbsDiff(await logProbs(c, p, tokens), await logProbs(out.config, out.params, tokens))).toBeLessThan(1e-4);
    expect(() => processWeights(c, p, { centerWritingWeights: true })).toThrow(/centring writing weights needs a LayerNorm before every reader/);
  });
});
