/**
 * The edge runner's two forwards agree: the slot path (slotForward.ts, the default) against the
 * original path through the engine's split q/k/v hooks, on random edge sets (whole and partial
 * removals), several model variants, prompt groups of two lengths, every ablation, with and
 * without prefixes; and ACDC finds the same edge set on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import type { HookedGPT2 } from '../../src/main/engine/model';
import { batchFromTokens, type PromptBatch } from '../../src/main/analysis/promptBatch';
import { EdgeRunner, type EdgeRunnerOptions, type Presence } from '../../src/main/circuits/intervene';
import { acdcInitialState, acdcStep, decodeScores, encodeScores, runAcdc, type AcdcState } from '../../src/main/circuits/acdc';
import { ABLATION_KINDS } from '../../src/main/circuits/ablation';
import { mulberry32 } from '../../src/main/engine/params';
import { randomModel, randomTokens, startBackend, tinyConfig } from '../helpers/engine';
import { inductionTask, plantedModel } from './planted';

const VOCAB = 23;
const VARIANTS: Record<string, Record<string, unknown>> = {
  'LayerNorm + GELU MLPs': { n_layer: 3, n_head: 3, n_embd: 12 },
  'attention-only, no LayerNorm': { n_layer: 2, n_head: 2, n_embd: 8, attn_only: true, normalization_type: null },
  'LNPre, ReLU': { n_layer: 2, n_head: 2, n_embd: 8, normalization_type: 'LNPre', activation_function: 'relu' },
};

let batch: PromptBatch;
const models: HookedGPT2[] = [];

beforeAll(async () => {
  await startBackend();
  // Two prompt lengths: the runner keeps one state per length group.
  const pairs = [5, 7].flatMap((T, i) => {
    const clean = randomTokens(4, T, VOCAB, 3 + i);
    return clean.map((c, b) => {
      const corrupted = c.map((t, p) => (p % 2 === 1 ? (t + 3 + b) % VOCAB : t));
      return { clean: c, corrupted, correct: c[1], incorrect: corrupted[1] };
    });
  });
  batch = batchFromTokens(pairs);
});
afterAll(() => models.forEach((m) => m.dispose()));

function randomMasks(edgeCount: number, seed: number): Presence[] {
  const rand = mulberry32(seed);
  const masks: Presence[] = [];
  for (const keep of [0.95, 0.7, 0.3, 0]) masks.push(Uint8Array.from({ length: edgeCount }, () => (rand() < keep ? 1 : 0)));
  masks.push(Float32Array.from({ length: edgeCount }, () => (rand() < 0.5 ? 1 : rand()))); // partial removals
  return masks;
}

async function logitsOf(runner: EdgeRunner, masks: Presence[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let gi = 0; gi < runner.groupCount; gi++) {
    const t = runner.logits(gi, masks);
    out.push((await t.data()) as Float32Array);
    t.dispose();
  }
  return out;
}

describe('slot path = hooked path', () => {
  for (const [name, overrides] of Object.entries(VARIANTS)) {
    for (const ablation of ABLATION_KINDS) {
      it(`${name}, ${ablation} ablation: the same logits for random edge sets, and the same metrics from a prefix`, async () => {
        const { model } = randomModel(tinyConfig({ ...overrides, vocab_size: VOCAB }), 21, 0.4);
        models.push(model);
        const opts: EdgeRunnerOptions = { ablation, maxRowTokens: 2 * 4 * 7 };
        const slots = await EdgeRunner.create(model, batch, { ...opts, path: 'slots' });
        const hooks = await EdgeRunner.create(model, batch, { ...opts, path: 'hooks' });
        const g = slots.graph;
        const masks = randomMasks(g.edgeCount, 9);
        const before = tf.memory().numTensors;
        const a = await logitsOf(slots, masks);
        const b = await logitsOf(hooks, masks);
        for (let gi = 0; gi < a.length; gi++) {
          const scale = Math.max(...Array.from(b[gi], Math.abs));
          let worst = 0;
          for (let i = 0; i < a[gi].length; i++) worst = Math.max(worst, Math.abs(a[gi][i] - b[gi][i]));
          expect(worst).toBeLessThan(1e-5 * scale);
        }
        // From a prefix at the last layer: edge sets that agree with masks[1] before it.
        const L = model.config.nLayer;
        const firstLast = g.slotEdgeStart[g.layerSlotStart(L - 1)];
        const variants = masks.map((m) => {
          const v = Float32Array.from(masks[1]);
          for (let e = firstLast; e < g.edgeCount; e++) v[e] = m[e];
          return v;
        });
        const ps = slots.prefix(L - 1, masks[1]);
        const ph = hooks.prefix(L - 1, masks[1]);
        const vs = await slots.evaluate(variants, { prefix: ps });
        const vh = await hooks.evaluate(variants, { prefix: ph });
        const full = await hooks.evaluate(variants);
        ps.dispose();
        ph.dispose();
        for (let i = 0; i < variants.length; i++) {
          expect(Math.abs(vs[i] - vh[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(vh[i])));
          expect(Math.abs(vs[i] - full[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(full[i])));
        }
        expect(new Set(full.map((v) => v.toFixed(4))).size).toBeGreaterThan(2); // the edge sets matter
        expect(tf.memory().numTensors).toBe(before);
        slots.dispose();
        hooks.dispose();
      });
    }
  }

  it.each(['logit-diff', 'kl'] as const)('the %s metric of many edge sets at once equals the per-copy metric of the hooked path', async (metric) => {
    const { model } = randomModel(tinyConfig({ ...VARIANTS['LayerNorm + GELU MLPs'], vocab_size: VOCAB }), 4, 0.4);
    models.push(model);
    const slots = await EdgeRunner.create(model, batch, { metric, path: 'slots' });
    const hooks = await EdgeRunner.create(model, batch, { metric, path: 'hooks' });
    const masks = randomMasks(slots.graph.edgeCount, 17);
    const a = await slots.evaluate(masks);
    const b = await hooks.evaluate(masks);
    for (let i = 0; i < masks.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(b[i])));
    expect(Math.max(...b)).toBeGreaterThan(Math.min(...b) + 1e-3); // the edge sets matter
    slots.dispose();
    hooks.dispose();
  });

  it('ACDC keeps the same edges on both paths (planted induction model and a random model)', async () => {
    const planted = plantedModel({ normalization: 'LN' }).model;
    models.push(planted);
    const induction = batchFromTokens(inductionTask(24));
    const { model: random } = randomModel(tinyConfig({ n_layer: 2, n_head: 2, n_embd: 12, vocab_size: VOCAB }), 5, 0.5);
    models.push(random);
    for (const [model, prompts, tau] of [[planted, induction, 0.05], [random, batch, 0.02]] as const) {
      const kept: string[] = [];
      for (const path of ['slots', 'hooks'] as const) {
        const before = tf.memory().numTensors;
        const runner = await EdgeRunner.create(model, prompts, { path });
        const r = await runAcdc(runner, { tau });
        kept.push(Array.from(r.mask).join(''));
        expect(r.edges).toBeGreaterThan(0);
        expect(r.edges).toBeLessThan(runner.graph.edgeCount); // ACDC removed something: the comparison is not trivial
        runner.dispose();
        expect(tf.memory().numTensors).toBe(before); // set-up, ACDC and dispose leave nothing behind
      }
      expect(kept[0]).toBe(kept[1]);
    }
  });

  it("ACDC's speculative chains decide every edge as the serial algorithm, whatever the batch and however wrong the predictions", async () => {
    const { model } = randomModel(tinyConfig({ n_layer: 3, n_head: 3, n_embd: 12, vocab_size: VOCAB }), 9, 0.5);
    models.push(model);
    const runner = await EdgeRunner.create(model, batch);
    const tau = 0.01;
    const serial = await runAcdc(runner, { tau, maxBatch: 1 });
    // many kept and many removed edges: the chains mispredict in both directions
    expect(serial.state.kept).toBeGreaterThan(10);
    expect(serial.state.removed).toBeGreaterThan(10);
    const want = decodeScores(serial.state);
    // predictions come from the scores of trials not yet decided: start from right and from wrong ones
    const misleading = want.map((v) => (Math.abs(v) < tau ? 10 * tau : 0));
    const until = async (start: Float32Array | undefined, maxBatch: number, maxBlind?: number): Promise<AcdcState> => {
      let state = acdcInitialState(runner, { tau }, runner.baseline.clean);
      if (start) state = { ...state, scores: encodeScores(start) };
      while (!state.done) state = await acdcStep(runner, state, { maxBatch, maxBlind });
      return state;
    };
    for (const [start, maxBatch, maxBlind] of [[undefined, 4, undefined], [undefined, 64, 64], [want, 64, undefined], [misleading, 8, undefined], [misleading, 64, 2]] as const) {
      const state = await until(start, maxBatch, maxBlind);
      expect({ ...state, steps: 0, scores: '', current: 0 }).toEqual({ ...serial.state, steps: 0, scores: '', current: 0 });
      // batched trials round differently: the metrics agree to float32 rounding
      expect(state.current).toBeCloseTo(serial.state.current, 5);
      const got = decodeScores(state);
      for (let e = 0; e < want.length; e++) if (!Number.isNaN(want[e])) expect(Math.abs(got[e] - want[e]), runner.graph.edgeName(e)).toBeLessThan(1e-5);
      expect(state.steps).toBeLessThan(serial.state.steps);
    }
    runner.dispose();
  });
});
