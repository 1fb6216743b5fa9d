/**
 * Mean ablation takes its mean over the whole length group, whatever the memory chunking: ACDC
 * and circuit evaluation (the edge runner) and EAP / EAP-IG must all feed a removed edge the same
 * value, the plain mean of the sender's output over every corrupted prompt of that length.
 * 80 prompts of one length are split into chunks (64 + 16 for the runner, 16 for EAP), so a
 * per-chunk mean shows up as a different metric.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import type { HookedGPT2 } from '../../src/main/engine/model';
import { blockHook } from '../../src/main/engine/hookNames';
import { batchFromTokens, type PromptBatch } from '../../src/main/analysis/promptBatch';
import { EdgeRunner } from '../../src/main/circuits/intervene';
import { edgeAttribution } from '../../src/main/circuits/eap';
import { randomModel, randomTokens, startBackend, tinyConfig } from '../helpers/engine';

const B = 80;
const T = 5;
const VOCAB = 23;
let model: HookedGPT2;
let batch: PromptBatch;

beforeAll(async () => {
  await startBackend();
  model = randomModel(tinyConfig({ n_layer: 2, n_head: 2, n_embd: 16, vocab_size: VOCAB }), 11, 0.3).model;
  const clean = randomTokens(B, T, VOCAB, 7);
  const corrupted = randomTokens(B, T, VOCAB, 99);
  batch = batchFromTokens(clean.map((c, b) => ({ clean: c, corrupted: corrupted[b], correct: c[1], incorrect: corrupted[b][1] })));
});
afterAll(() => model?.dispose());

/** Plain dataset mean of the logit difference of last-position logits [B, V]. */
async function meanLogitDiff(logits: tf.Tensor): Promise<number> {
  const v = (await logits.data()) as Float32Array;
  logits.dispose();
  const g = batch.groups[0];
  let sum = 0;
  for (let b = 0; b < B; b++) sum += v[b * VOCAB + g.correct[b]] - v[b * VOCAB + g.incorrect[b]];
  return sum / B;
}

/**
 * The metric when the edges from `senders` (hook names of sender outputs) into the logits are
 * mean-ablated: the final residual loses (clean - mean over all 80 corrupted prompts) of each.
 */
async function expectedLogitsAblation(senders: string[]): Promise<number> {
  const g = batch.groups[0];
  const corrupted = model.runWithCache(g.corrupted, senders, { logits: 'none' });
  const clean = model.runWithCache(g.clean, senders, { logits: 'none' });
  const correction = tf.tidy(() => {
    let acc = tf.zeros([B, T, model.config.dModel]); // [B, T, D]
    for (const name of senders) {
      const c = clean.cache.get(name);
      const m = corrupted.cache.get(name).mean(0, true); // [1, T, ...] plain mean over all 80 prompts
      let d = c.sub(m); // [B, T, (H,) D]
      if (d.rank === 4) d = d.sum(2); // every head of the layer
      acc = acc.add(d);
    }
    return acc;
  });
  clean.cache.dispose();
  corrupted.cache.dispose();
  const logits = model.runWithHooks(g.clean, [{ name: blockHook(model.config.nLayer - 1, 'hook_resid_post'), fn: (x) => x.sub(correction) }], { logits: 'last' }); // [B, V]
  correction.dispose();
  return meanLogitDiff(logits);
}

describe('mean ablation over the whole length group', () => {
  it('the edge runner (ACDC, evaluation) uses the mean over all 80 prompts, not per 64-row chunk', async () => {
    const runner = await EdgeRunner.create(model, batch, { ablation: 'mean' });
    const g = runner.graph;
    const before = tf.memory().numTensors;
    const senders = ['a0.h0', 'a0.h1', 'm0'];
    const mask = g.fullMask();
    for (const s of senders) mask[g.edgeIndex(g.node(s), g.logitsSlot)] = 0;
    const allInput = g.fullMask();
    for (let e = 0; e < g.edgeCount; e++) if (g.edgeSender[e] === 0) allInput[e] = 0;
    const [partial, everything] = await runner.evaluate([mask, g.fullMask(false)]);
    expect(tf.memory().numTensors).toBe(before);
    runner.dispose();

    const want = await expectedLogitsAblation([blockHook(0, 'attn.hook_result'), blockHook(0, 'hook_mlp_out')]);
    expect(Math.abs(partial - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
    // Every edge removed: the final residual is the mean corrupted residual (it is a sum of sender outputs).
    const g0 = batch.groups[0];
    const name = blockHook(model.config.nLayer - 1, 'hook_resid_post');
    const { cache } = model.runWithCache(g0.corrupted, [name], { logits: 'none' });
    const meanResid = cache.get(name).mean(0, true); // [1, T, D]
    cache.dispose();
    const wantAll = await meanLogitDiff(model.runWithHooks(g0.clean, [{ name, fn: (x) => tf.broadcastTo(meanResid, x.shape) }], { logits: 'last' }));
    meanResid.dispose();
    expect(Math.abs(everything - wantAll)).toBeLessThan(1e-4 * Math.max(1, Math.abs(wantAll)));
    // Not vacuous: the clean metric differs from both.
    expect(Math.abs(runner.baseline.clean - want)).toBeGreaterThan(1e-2);
  });

  it('the edge runner gives the same metrics whatever its chunk size', async () => {
    const a = await EdgeRunner.create(model, batch, { ablation: 'mean', maxGroupRows: 80 });
    const b = await EdgeRunner.create(model, batch, { ablation: 'mean', maxGroupRows: 24 });
    const g = a.graph;
    const masks = [g.fullMask(false), g.fullMask()];
    masks[1].fill(0, 0, g.slotEdgeStart[g.mlpSlot(1)]); // every edge into layer 0, layer 1's heads
    const va = await a.evaluate(masks);
    const vb = await b.evaluate(masks);
    a.dispose();
    b.dispose();
    for (let i = 0; i < masks.length; i++) expect(Math.abs(va[i] - vb[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(va[i])));
  });

  for (const steps of [0, 2]) {
    it(`${steps ? 'EAP-IG' : 'EAP'} scores do not depend on the chunk size, and score the logits edges against the plain mean`, async () => {
      const whole = await edgeAttribution(model, batch, { ablation: 'mean', steps, maxGroupRows: 80 });
      const chunked = await edgeAttribution(model, batch, { ablation: 'mean', steps, maxGroupRows: 16 });
      const scale = Math.max(...Array.from(whole.scores, Math.abs));
      let worst = 0;
      for (let e = 0; e < whole.scores.length; e++) worst = Math.max(worst, Math.abs(whole.scores[e] - chunked.scores[e]));
      expect(worst).toBeLessThan(1e-4 * scale);
      if (steps === 0) {
        // EAP's logits edge from m0 is linear: (mean_m0 - clean_m0) . dM/d(resid_post), summed over
        // positions, averaged over rows. dM/d(resid_post) comes from the engine's gradient here.
        const g0 = batch.groups[0];
        const mlp = blockHook(0, 'hook_mlp_out');
        const resid = blockHook(model.config.nLayer - 1, 'hook_resid_post');
        const corrupted = model.runWithCache(g0.corrupted, [mlp], { logits: 'none' });
        const clean = model.runWithCache(g0.clean, [mlp], { logits: 'none' });
        const diff = tf.tidy(() => corrupted.cache.get(mlp).mean(0, true).sub(clean.cache.get(mlp))); // [B, T, D]
        corrupted.cache.dispose();
        clean.cache.dispose();
        const grad = tf.grad((probe: tf.Tensor) => {
          const logits = model.runWithHooks(g0.clean, [{ name: resid, fn: (x) => x.add(probe) }], { logits: 'all' }); // [B, T, V]
          const last = logits.slice([0, T - 1, 0], [B, 1, VOCAB]).reshape([B, VOCAB]); // [B, V]
          const oh = tf.oneHot(g0.correct, VOCAB).sub(tf.oneHot(g0.incorrect, VOCAB)); // [B, V]
          return last.mul(oh).sum().div(B);
        })(tf.zeros([B, T, model.config.dModel]));
        const want = (await tf.tidy(() => diff.mul(grad).sum()).data())[0];
        tf.dispose([diff, grad]);
        const g = whole.graph;
        const got = whole.scores[g.edgeIndex(g.node('m0'), g.logitsSlot)];
        expect(Math.abs(got - want)).toBeLessThan(1e-3 * Math.max(1e-3, Math.abs(want)) + 1e-5);
        expect(Math.abs(want)).toBeGreaterThan(1e-4); // not vacuous
      }
    });
  }
});
