/**
 * ROME on a random model with the default word-level vocabulary: the key solve, C against a
 * direct host computation, the exact key -> value mapping the update promises, efficacy and
 * neighbourhood specificity; causal tracing's end points. Numbers are checked against
 * independent computations with stated tolerances.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseHfConfig } from '../../src/main/engine/config';
import { HookedGPT2 } from '../../src/main/engine/model';
import { randomParams } from '../../src/main/engine/params';
import { tf } from '../../src/main/engine/tf';
import { defaultTokenizerJson, defaultVocabulary, fillerSentences } from '../../src/main/datasets';
import { tokenizerFromJson } from '../../src/main/tokenizer';
import { solveSpd } from '../../src/main/editing/linalg';
import { activationsAt, keySecondMoment, type KeyMoment } from '../../src/main/editing/rome/keys';
import { defaultKeyCorpus } from '../../src/main/editing/rome/corpus';
import { markSubject, romeTokenRequest } from '../../src/main/editing/rome/request';
import { romeEdit } from '../../src/main/editing/rome/rome';
import { EditedModel } from '../../src/main/editing/editedModel';
import { romeMetrics } from '../../src/main/editing/compare';
import { causalTrace, peakLayerAtSubject } from '../../src/main/editing/causalTrace';
import { startBackend } from '../helpers/engine';
import { spectrumBeyondFirst } from './linearAlgebra';

const config = parseHfConfig({ model_type: 'gpt2', n_layer: 2, n_head: 4, n_embd: 32, n_positions: 48, vocab_size: defaultVocabulary().length, prepend_bos: true });
const tokenizer = tokenizerFromJson(defaultTokenizerJson() as never);
let model: HookedGPT2;
let moment: KeyMoment;
const LAYER = 1;

beforeAll(async () => {
  await startBackend();
  model = HookedGPT2.fromParams(config, randomParams(config, 7, 0.3));
  moment = await keySecondMoment(model, defaultKeyCorpus(tokenizer, config).rows, LAYER);
});

describe('ROME building blocks', () => {
  it('solves (C + ridge) x = b by Cholesky to 1e-9', () => {
    const n = 6;
    const g = Float64Array.from({ length: n * n }, (_, i) => Math.sin(i + 1));
    const a = new Float64Array(n * n); // G G^T + I: symmetric positive definite
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += g[i * n + k] * g[j * n + k];
    for (let i = 0; i < n; i++) a[i * n + i] += 1;
    const b = [1, -2, 3, 0.5, 0, 4];
    const x = solveSpd(a, b, n, 0);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
      expect(Math.abs(s - b[i])).toBeLessThan(1e-9);
    }
  });

  it('computes C = E[k k^T] as the mean outer product of every position\'s key', async () => {
    const rows = fillerSentences(1, 6).map((s) => [tokenizer.bosId!, ...tokenizer.encode(s)]);
    const got = await keySecondMoment(model, rows, 0, { batchRows: 2 });
    const M = config.dMlp;
    const ref = new Float64Array(M * M);
    let n = 0;
    for (const ids of rows) {
      const { cache } = model.runWithCache([ids], 'blocks.0.mlp.hook_post');
      const k = await cache.get('blocks.0.mlp.hook_post').data(); // [1, T, M]
      cache.dispose();
      for (let t = 0; t < ids.length; t++, n++) for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) ref[i * M + j] += k[t * M + i] * k[t * M + j];
    }
    expect(got.count).toBe(n);
    let maxErr = 0;
    let maxRef = 0;
    for (let i = 0; i < ref.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(got.c[i] - ref[i] / n));
      maxRef = Math.max(maxRef, Math.abs(ref[i] / n));
    }
    expect(maxErr / maxRef).toBeLessThan(1e-5);
  });

  it('marks the subject at whole-word boundaries and refuses a subject that is not in the prompt', () => {
    const row = markSubject(tokenizer, config, 'Lisa is taller than Tim, so the shorter one is', 'is', 'first');
    expect(tokenizer.tokenStrings([row.ids[row.subjectPos]])[0]).toBe('is');
    expect(row.subjectPos).toBe(2); // BOS, Lisa, is — not the "is" inside "Lisa"
    expect(markSubject(tokenizer, config, 'Lisa is taller than Tim, so the shorter one is', 'is', 'last').subjectPos).toBe(11);
    expect(() => markSubject(tokenizer, config, 'Lisa is taller than Tim', 'Mary')).toThrow(/"Mary" does not occur/);
  });
});

describe('ROME edit', () => {
  const animals = ['cat', 'dog', 'horse', 'bird'];
  const unrelated = fillerSentences(3, 24).filter((s) => !animals.some((a) => s.includes(a)));

  it('maps the edited key to v_0 + delta exactly, with a rank-1 delta, and makes the target the top-1 while unrelated prompts keep theirs', async () => {
    const start = tf.memory().numTensors;
    const efficacy: boolean[] = [];
    const specificity: number[] = [];
    for (const [i, animal] of animals.entries()) {
      const prompt = `${['Mary', 'John', 'Lisa', 'Tom'][i]} likes the ${animal}`;
      const ids = [tokenizer.bosId!, ...tokenizer.encode(prompt)];
      const second = tf.tidy(() => tf.topk(model.forward([ids], 'last'), 2).indices.dataSync()[1]); // a plausible counterfactual
      const target = ` ${tokenizer.tokenStrings([second])[0]}`;
      const req = romeTokenRequest(tokenizer, config, { prompt, subject: animal, target, layer: LAYER, contexts: fillerSentences(9, 4), occurrence: 'last' });
      expect(req.rewrite.length).toBe(5);
      expect(req.kl.length).toBe(2);
      const { edit, details } = await romeEdit(model, `rome ${animal}`, { prompt }, req, moment, { lr: 0.1 });
      expect(edit.deltas.map((d) => d.param)).toEqual([`h.${LAYER}.mlp.c_proj.weight`]);
      const edited = EditedModel.apply(model, [edit]);
      // The update's promise: the plain prompt's key now maps to v_0 + delta (Float32 tolerance).
      const [after] = await activationsAt(edited.model, [req.rewrite[0]], LAYER, 'hook_mlp_out');
      const [before] = await activationsAt(model, [req.rewrite[0]], LAYER, 'hook_mlp_out');
      const moved = Math.hypot(...after.map((x, d) => x - before[d]));
      expect(Math.abs(moved - details.deltaNorm) / details.deltaNorm).toBeLessThan(1e-3);
      // The change the edited model actually carries (its W_out minus the base's), not the
      // factors: rank 1 up to fp32 rounding of the subtraction, and equal to u v^T.
      const d0 = edit.deltas[0];
      const wAfter = await edited.model.weights.blocks[LAYER].wOut!.data(); // [M, D]
      const wBefore = await model.weights.blocks[LAYER].wOut!.data(); // [M, D]
      const applied = Float64Array.from(wAfter, (x, k) => x - wBefore[k]);
      const { sigma1, rest } = spectrumBeyondFirst(applied, d0.u.length, d0.v.length);
      expect(sigma1).toBeGreaterThan(0);
      expect(rest / sigma1).toBeLessThan(1e-3);
      const factorError = Math.max(...Array.from(applied, (x, k) => Math.abs(x - d0.u[Math.floor(k / d0.v.length)] * d0.v[k % d0.v.length])));
      const wScale = Math.max(...Array.from(wBefore, Math.abs));
      expect(factorError).toBeLessThan(1e-6 * Math.max(1, wScale) * 10);

      const metrics = await romeMetrics({ model, tokenizer, config }, { model: edited.model, tokenizer, config }, { prompt, target, neighbourhood: unrelated });
      efficacy.push(metrics.efficacy);
      specificity.push(metrics.specificity);
      expect(metrics.targetProbAfter).toBeGreaterThan(metrics.targetProbBefore);
      edited.dispose();
    }
    expect(efficacy).toEqual([true, true, true, true]);
    expect(specificity.reduce((a, b) => a + b, 0) / specificity.length).toBeGreaterThanOrEqual(0.8);
    expect(tf.memory().numTensors).toBe(start);
  }, 60_000);

  it('refuses a moment computed for another layer', async () => {
    const req = romeTokenRequest(tokenizer, config, { prompt: 'Mary likes the cat', subject: 'cat', target: ' dog', layer: 0 });
    await expect(romeEdit(model, 'x', {}, req, moment)).rejects.toThrow(/moment is for layer 1.*needs layer 0/);
  });
});

describe('causal tracing', () => {
  it('restoring the last layer at the last position recovers the clean probability; the table is layers x positions', async () => {
    const row = markSubject(tokenizer, config, 'Mary likes the cat', 'Mary');
    const start = tf.memory().numTensors;
    const trace = await causalTrace(model, row.ids, [row.subjectPos], { samples: 4, seed: 1 });
    expect(tf.memory().numTensors).toBe(start);
    expect(trace.probs.length).toBe(config.nLayer);
    expect(trace.probs.every((r) => r.length === row.ids.length)).toBe(true);
    // The final residual at the last position determines the logits: fully restored.
    expect(Math.abs(trace.probs[config.nLayer - 1][row.ids.length - 1] - trace.cleanProb)).toBeLessThan(1e-5);
    // Restoring a position before the subject at the last layer cannot carry the subject back (causal mask).
    expect(Math.abs(trace.probs[config.nLayer - 1][0] - trace.corruptedProb)).toBeLessThan(1e-5);
    expect(trace.corruptedProb).not.toBeCloseTo(trace.cleanProb, 3);
    // The peak is the layer whose restored subject position brings back the most probability.
    const subjectProbs = trace.probs.map((r) => r[row.subjectPos]);
    expect(peakLayerAtSubject(trace)).toBe(subjectProbs.indexOf(Math.max(...subjectProbs)));
  });
});
