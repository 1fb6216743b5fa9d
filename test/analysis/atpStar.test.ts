/**
 * AtP* (attribution patching with the QK fix and GradDrop, then exact verification of the top
 * candidates) against independent computations:
 * (a) the plain estimate equals a central finite difference of the metric along the patch
 *     direction (heads: in the Float64 reference model; mlp/resid: the engine with hooks);
 * (b) where the metric is linear in the patched node (attention-only, no LayerNorm, last layer,
 *     logit difference), the estimate equals exact patching;
 * (c) a saturated last-layer attention where the plain estimate on keys/queries misses the effect
 *     and the QK fix gets it;
 * GradDrop against a full backward with layer l's contribution stopped (tf.customGrad);
 * (d) verified values equal exact patching's; (e) no tensor leaks, progress and cancellation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../src/main/engine/tf';
import { blockHook } from '../../src/main/engine/hookNames';
import { HookedGPT2 } from '../../src/main/engine/model';
import type { Hook } from '../../src/main/engine/hookRunner';
import { randomParams, type ParamDict } from '../../src/main/engine/params';
import { activationPatching, type PatchTarget } from '../../src/main/analysis/patching';
import { batchFromTokens, type PromptBatch } from '../../src/main/analysis/promptBatch';
import { atpEstimates, attributionPatching } from '../../src/main/analysis/attribution/atpStar';
import { randomModel, randomTokens, refConfig, startBackend, tinyConfig } from '../helpers/engine';
import { referenceRun } from '../engine/referenceGpt2';

const T = 6;

function pairs(B: number, vocab: number, seed: number): PromptBatch {
  const clean = randomTokens(B, T, vocab, seed);
  const corrupted = clean.map((row, b) => row.map((t, i) => (i === 2 || (i === 4 && b % 2 === 0) ? (t + 3 + b) % vocab : t)));
  return batchFromTokens(clean.map((c, i) => ({ clean: c, corrupted: corrupted[i], correct: c[2], incorrect: corrupted[i][2] })));
}

/** Mean logit difference of a batch of [B][V] logits. */
function meanLogitDiff(rows: number[][], batch: PromptBatch): number {
  const g = batch.groups[0];
  return rows.reduce((s, r, b) => s + r[g.correct[b]] - r[g.incorrect[b]], 0) / rows.length;
}

beforeAll(async () => {
  await startBackend();
});

describe('AtP: the plain estimate is the derivative of the metric along the patch', () => {
  const config = tinyConfig({ n_layer: 3, n_head: 4, n_embd: 16 });
  const batch = pairs(3, config.vocabSize, 11);
  const g = batch.groups[0];
  let params: ParamDict;
  let model: HookedGPT2;
  beforeAll(() => {
    ({ model, params } = randomModel(config, 5, 0.4));
  });
  afterAll(() => model.dispose());

  it('heads (denoise): equals a Float64 central difference in the reference model (|error| < 1e-4 x max(1, |value|))', async () => {
    const est = await atpEstimates(model, batch, { target: 'heads', direction: 'denoise', qkFix: false, gradDrop: false });
    const rc = refConfig(config);
    const base = referenceRun(rc, params, g.corrupted);
    const src = referenceRun(rc, params, g.clean);
    const { nLayer: L, nHead: H, dHead: dh } = config;
    const eps = 1e-3;
    let largest = 0;
    for (let l = 0; l < L; l++) {
      const zb = base.activations.get(blockHook(l, 'attn.hook_z'))!; // [B][T*H*dh]
      const zs = src.activations.get(blockHook(l, 'attn.hook_z'))!;
      for (let h = 0; h < H; h++) {
        const at = (e: number): number => {
          const value = zb.map((row, b) => Array.from({ length: T }, (_, t) => Array.from({ length: dh }, (_, i) => {
            const j = (t * H + h) * dh + i;
            return row[j] + e * (zs[b][j] - row[j]);
          })));
          const logits = referenceRun(rc, params, g.corrupted, { layer: l, head: h, value }).logits.map((r) => r[T - 1]);
          return meanLogitDiff(logits, batch);
        };
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        largest = Math.max(largest, Math.abs(fd));
        expect(Math.abs(est.plain[l * H + h] - fd), `L${l}H${h}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
      }
    }
    expect(largest).toBeGreaterThan(1e-2); // the comparison is not between zeros
  });

  for (const target of ['mlp', 'resid'] as PatchTarget[]) {
    it(`${target} (noise): equals an engine central difference per layer and position (|error| < 2e-3)`, async () => {
      const est = await atpEstimates(model, batch, { target, direction: 'noise', qkFix: false, gradDrop: false });
      const name = (l: number): string => blockHook(l, target === 'mlp' ? 'hook_mlp_out' : 'hook_resid_pre');
      const eps = 1e-2;
      let largest = 0;
      for (let l = 0; l < config.nLayer; l++) {
        const { cache } = model.runWithCache(g.corrupted, [name(l)], { logits: 'none' });
        const src = cache.get(name(l));
        for (let t = 0; t < T; t++) {
          const at = async (e: number): Promise<number> => {
            const hook: Hook = {
              name: name(l),
              fn: (x) => {
                const mask = tf.oneHot(tf.tensor1d([t], 'int32'), T).reshape([1, T, 1]); // [1, T, 1]
                return x.add(src.sub(x).mul(mask).mul(e)); // [B, T, D]
              },
            };
            const logits = model.runWithHooks(g.clean, [hook], { logits: 'last' });
            const rows = (await logits.array()) as number[][];
            logits.dispose();
            return meanLogitDiff(rows, batch);
          };
          const fd = ((await at(eps)) - (await at(-eps))) / (2 * eps);
          largest = Math.max(largest, Math.abs(fd));
          expect(Math.abs(est.plain[l * T + t] - fd), `layer ${l} position ${t}`).toBeLessThan(2e-3);
        }
        cache.dispose();
      }
      expect(largest).toBeGreaterThan(1e-2);
    });
  }
});

/** Attention-only, no LayerNorm: the logit difference is linear in the last layer's z, v and pattern. */
function linearModel(seed: number, qScale = 1): HookedGPT2 {
  const config = tinyConfig({ n_layer: 2, n_head: 3, n_embd: 12, attn_only: true, normalization_type: null });
  const params = randomParams(config, seed, 0.5);
  if (qScale !== 1) {
    const w = params.get('h.1.attn.c_attn.weight')!; // [D, 3D], columns 0..D-1 are W_Q
    const D = config.dModel;
    for (let r = 0; r < D; r++) for (let c = 0; c < D; c++) w.data[r * 3 * D + c] *= qScale;
  }
  return HookedGPT2.fromParams(config, params);
}

describe('AtP*: where the metric is linear in the node it equals exact patching', () => {
  let model: HookedGPT2;
  const batch = pairs(4, 23, 3);
  beforeAll(() => {
    model = linearModel(21);
  });
  afterAll(() => model.dispose());

  for (const target of ['heads', 'head-pos', 'v', 'pattern', 'q', 'k'] as PatchTarget[]) {
    it(`${target}: last-layer estimates equal exact patching (|error| < 1e-4), both directions`, async () => {
      for (const direction of ['denoise', 'noise'] as const) {
        const exact = await activationPatching(model, batch, { target, direction });
        const r = await attributionPatching(model, batch, { target, direction, verifyTop: 0 });
        const cells = exact.raw.length / 2;
        let spread = 0;
        for (let c = cells; c < 2 * cells; c++) {
          expect(Math.abs(r.raw[c] - exact.raw[c]), `${direction} cell ${c}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(exact.raw[c])));
          spread = Math.max(spread, Math.abs(exact.raw[c] - (direction === 'denoise' ? exact.baseline.corrupted : exact.baseline.clean)));
        }
        expect(spread).toBeGreaterThan(1e-2);
      }
    });
  }

  it('the stated bound covers every skipped node when the estimator is exact there', async () => {
    const exact = await activationPatching(model, batch, { target: 'pattern', direction: 'denoise' });
    const r = await attributionPatching(model, batch, { target: 'pattern', direction: 'denoise', verifyTop: 2, gradDrop: false });
    const verified = new Set(r.attribution.verified.map((v) => v.cell));
    const lastLayer = Array.from({ length: 3 }, (_, h) => 3 + h);
    // Layer-0 nodes act through layer 1's softmax (not linear), so only the last layer is claimed.
    for (const c of lastLayer.filter((c) => !verified.has(c))) {
      expect(Math.abs(exact.raw[c] - exact.baseline.corrupted)).toBeLessThanOrEqual(r.attribution.bound.effect + 1e-5);
    }
    expect(r.attribution.description).toMatch(/not a guarantee/);
  });
});

describe('AtP*: the QK fix recovers effects hidden by saturated attention', () => {
  let model: HookedGPT2;
  const batch = pairs(4, 23, 8);
  beforeAll(() => {
    model = linearModel(13, 25); // last layer's queries x25: its softmax saturates
  });
  afterAll(() => model.dispose());

  for (const target of ['k', 'q'] as PatchTarget[]) {
    it(`${target}: plain AtP misses the largest last-layer effect, AtP* equals exact (|error| < 1e-4)`, async () => {
      const g = batch.groups[0];
      const { cache } = model.runWithCache(g.corrupted, [blockHook(1, 'attn.hook_pattern')], { logits: 'none' });
      const lastRow = cache.get(blockHook(1, 'attn.hook_pattern')).slice([0, 0, T - 1, 0], [-1, -1, 1, -1]).max(-1); // [B, H, 1]
      const saturation = (await lastRow.mean().data())[0];
      lastRow.dispose();
      cache.dispose();
      expect(saturation).toBeGreaterThan(0.95);

      const exact = await activationPatching(model, batch, { target, direction: 'denoise' });
      const est = await atpEstimates(model, batch, { target, direction: 'denoise', qkFix: true, gradDrop: false });
      const H = 3;
      const effects = Array.from({ length: H }, (_, h) => exact.raw[H + h] - exact.baseline.corrupted);
      const top = effects.reduce((best, e, h) => (Math.abs(e) > Math.abs(effects[best]) ? h : best), 0);
      expect(Math.abs(effects[top])).toBeGreaterThan(0.1);
      expect(Math.abs(est.plain[H + top] - effects[top])).toBeGreaterThan(0.5 * Math.abs(effects[top]));
      for (let h = 0; h < H; h++) expect(Math.abs(est.estimate[H + h] - effects[h]), `L1H${h}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(effects[h])));
    });
  }
});

/** Identity forward, zero gradient: layer l's contribution is kept but its gradient dropped. */
const stopGradient = tf.customGrad(((x: Tensor) => ({ value: x.clone(), gradFunc: (dy: Tensor) => tf.zerosLike(dy) })) as never) as (x: Tensor) => Tensor;

describe('GradDrop', () => {
  const config = tinyConfig({ n_layer: 3, n_head: 2, n_embd: 8 });
  const batch = pairs(2, config.vocabSize, 4);
  const g = batch.groups[0];
  let model: HookedGPT2;
  beforeAll(() => {
    model = randomModel(config, 9, 0.5).model;
  });
  afterAll(() => model.dispose());

  for (const target of ['heads', 'resid'] as PatchTarget[]) {
    it(`${target}: each per-layer estimate equals a full backward with that layer's contribution stopped (|error| < 1e-4)`, async () => {
      const est = await atpEstimates(model, batch, { target, direction: 'denoise', qkFix: true, gradDrop: true });
      const L = config.nLayer;
      const hook = (l: number): string => blockHook(l, target === 'heads' ? 'attn.hook_z' : 'hook_resid_pre');
      const names = Array.from({ length: L }, (_, l) => hook(l));
      const clean = model.runWithCache(g.clean, names, { logits: 'none' });
      const corrupted = model.runWithCache(g.corrupted, names, { logits: 'none' });
      for (let drop = 0; drop < L; drop++) {
        const perLayer = tf.tidy(() => {
          const probes = names.map((n) => tf.zerosLike(corrupted.cache.get(n)));
          const f = (...ps: Tensor[]): Tensor => {
            const hooks: Hook[] = names.map((name, i) => ({ name, fn: (x: Tensor) => x.add(ps[i]) }));
            hooks.push({ name: [blockHook(drop, 'hook_attn_out'), blockHook(drop, 'hook_mlp_out')], fn: (x) => stopGradient(x) });
            const logits = model.runWithHooks(g.corrupted, hooks, { logits: 'last' }); // [B, V]
            const V = config.vocabSize;
            const sign = tf.oneHot(tf.tensor1d(g.correct, 'int32'), V).sub(tf.oneHot(tf.tensor1d(g.incorrect, 'int32'), V)); // [B, V]
            return logits.mul(sign).sum(1).mean();
          };
          const grads = tf.grads(f)(probes);
          return names.map((n, l) => {
            const prod = clean.cache.get(n).sub(corrupted.cache.get(n)).mul(grads[l]);
            return target === 'heads' ? prod.sum([0, 1, 3]) : prod.sum([0, 2]); // [H] or [T]
          });
        });
        const got = est.drops![drop];
        const cells = got.length / L;
        let largest = 0;
        for (let l = 0; l < L; l++) {
          const expected = await perLayer[l].data();
          for (let c = 0; c < cells; c++) {
            largest = Math.max(largest, Math.abs(expected[c]));
            expect(Math.abs(got[l * cells + c] - expected[c]), `drop ${drop}, layer ${l}, cell ${c}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected[c])));
          }
        }
        tf.dispose(perLayer);
        expect(largest).toBeGreaterThan(1e-3);
      }
      const score = est.gradDrop!;
      for (let i = 0; i < score.length; i++) {
        const expected = est.drops!.reduce((s, d) => s + Math.abs(d[i]), 0) / (L - 1);
        expect(score[i]).toBeCloseTo(expected, 6);
      }
      clean.cache.dispose();
      corrupted.cache.dispose();
    });
  }
});

describe('AtP* verification, cost and hygiene', () => {
  const config = tinyConfig({ n_layer: 3, n_head: 4, n_embd: 16 });
  const batch = pairs(4, config.vocabSize, 6);
  let model: HookedGPT2;
  beforeAll(() => {
    model = randomModel(config, 2, 0.4).model;
  });
  afterAll(() => model.dispose());

  for (const target of ['heads', 'resid'] as PatchTarget[]) {
    it(`${target}: the top-k by score are verified, with exact patching's own values`, async () => {
      const before = tf.memory().numTensors;
      // Verification patches a subset of cells through the hooks path: compare with that path (the
      // hook-free heads path agrees with it within 1e-5, headPatching.test.ts).
      const exact = await activationPatching(model, batch, { target, direction: 'denoise', path: 'hooks' });
      const r = await attributionPatching(model, batch, { target, direction: 'denoise', verifyTop: 5 });
      expect(tf.memory().numTensors).toBe(before);
      expect(r.attribution.verified).toHaveLength(5);
      const verified = new Set(r.attribution.verified.map((v) => v.cell));
      const minVerified = Math.min(...r.attribution.verified.map((v) => r.attribution.score[v.cell]));
      r.attribution.score.forEach((s, c) => {
        if (!verified.has(c)) expect(s).toBeLessThanOrEqual(minVerified);
      });
      for (const v of r.attribution.verified) {
        expect(v.exact).toBeCloseTo(exact.raw[v.cell] - exact.baseline.corrupted, 6);
        expect(v.exactNormalised).toBeCloseTo(exact.values[v.cell], 6);
        expect(v.estimate).toBeCloseTo(r.raw[v.cell] - r.baseline.corrupted, 6);
      }
      expect(r.attribution.bound.effect).toBeGreaterThanOrEqual(Math.max(...r.attribution.score.filter((_, c) => !verified.has(c))));
      expect(r.baseline.clean).toBeCloseTo(exact.baseline.clean, 5);
      expect(r.baseline.corrupted).toBeCloseTo(exact.baseline.corrupted, 5);
    });
  }

  it('splits groups into memory-bounded chunks without changing the estimates (one row per pass vs all rows)', async () => {
    for (const metric of ['logit-diff', 'kl'] as const) {
      const whole = await atpEstimates(model, batch, { target: 'heads', direction: 'denoise', metric, qkFix: true, gradDrop: true });
      const rowByRow = await atpEstimates(model, batch, { target: 'heads', direction: 'denoise', metric, qkFix: true, gradDrop: true, gradRowTokens: T });
      expect(Math.max(...whole.estimate.map((v) => Math.abs(v)))).toBeGreaterThan(1e-3);
      whole.estimate.forEach((v, i) => expect(Math.abs(rowByRow.estimate[i] - v), `${metric} cell ${i}`).toBeLessThan(1e-5));
      whole.gradDrop!.forEach((v, i) => expect(Math.abs(rowByRow.gradDrop![i] - v), `${metric} GradDrop cell ${i}`).toBeLessThan(1e-5));
      expect(rowByRow.baseline.corrupted).toBeCloseTo(whole.baseline.corrupted, 5);
    }
  });

  it('costs fewer forward-equivalents than exact patching of every node for residual positions', async () => {
    const r = await attributionPatching(model, batch, { target: 'resid', verifyTop: 3 });
    const cost = r.attribution.forwardEquivalents;
    expect(cost.verification).toBeGreaterThan(2);
    expect(cost.total).toBeCloseTo(cost.estimation + cost.verification, 9);
    expect(cost.total).toBeLessThan(cost.exactAll);
  });

  it('reports progress, can be cancelled, and frees its tensors when cancelled', async () => {
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    await attributionPatching(model, batch, { target: 'heads', verifyTop: 3, onProgress: (d, t) => seen.push(d / t) });
    expect(seen.at(-1)).toBe(1);
    expect(seen.length).toBeGreaterThan(4);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    const ac = new AbortController();
    const run = attributionPatching(model, batch, { target: 'heads', verifyTop: 3, signal: ac.signal, onProgress: (d) => d >= 2 && ac.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('exact patching of chosen cells (what verification uses)', () => {
  const config = tinyConfig({ n_layer: 2, n_head: 3, n_embd: 12 });
  const batch = pairs(2, config.vocabSize, 5);
  let model: HookedGPT2;
  beforeAll(() => {
    model = randomModel(config, 3, 0.4).model;
  });
  afterAll(() => model.dispose());

  it('patches only the chosen cells, to the values of a full run, and names a cell out of range', async () => {
    const full = await activationPatching(model, batch, { target: 'heads', path: 'hooks' });
    const some = await activationPatching(model, batch, { target: 'heads', cells: [4, 1, 4] });
    some.raw.forEach((v, c) => {
      if (c === 1 || c === 4) expect(v).toBeCloseTo(full.raw[c], 6);
      else expect(v).toBeNaN();
    });
    expect(some.runs).toBe(2); // one batched run per layer that has a chosen cell
    await expect(activationPatching(model, batch, { target: 'heads', cells: [6] })).rejects.toThrow('cell 6 is outside 0..5');
  });
});
