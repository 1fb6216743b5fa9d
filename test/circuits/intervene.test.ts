/**
 * Edge interventions and attribution gradients on random GPT-2s (LayerNorm, GELU MLPs), checked
 * against independent computations: the engine's own clean/corrupted runs, activation patching
 * through other hook points, unbatched runs, and finite differences.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import type { HookedGPT2 } from '../../src/main/engine/model';
import { blockHook } from '../../src/main/engine/hookNames';
import { batchFromTokens, type PromptBatch } from '../../src/main/analysis/promptBatch';
import { EdgeRunner } from '../../src/main/circuits/intervene';
import { edgeAttribution } from '../../src/main/circuits/eap';
import { mulberry32 } from '../../src/main/engine/params';
import { randomModel, randomTokens, startBackend, tinyConfig } from '../helpers/engine';

let model: HookedGPT2;
let batch: PromptBatch;
const T = 6;

beforeAll(async () => {
  await startBackend();
  model = randomModel(tinyConfig({ n_layer: 3, n_head: 2, n_embd: 16, vocab_size: 23 }), 4, 0.3).model;
  const clean = randomTokens(5, T, 23, 1);
  const corrupted = clean.map((row, b) => row.map((t, i) => (i === 1 || i === 3 ? (t + 5 + b) % 23 : t)));
  batch = batchFromTokens(clean.map((c, b) => ({ clean: c, corrupted: corrupted[b], correct: c[1], incorrect: corrupted[b][1] })));
});
afterAll(() => model?.dispose());

async function arr(t: tf.Tensor): Promise<Float32Array> {
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('edge interventions', () => {
  it('removing no edge reproduces the clean logits (exactly on the hooked path, to float rounding on the slot path)', async () => {
    const clean = await arr(model.forward(batch.groups[0].clean, 'last'));
    const scale = Math.max(...Array.from(clean, Math.abs));
    for (const path of ['hooks', 'slots'] as const) {
      const runner = await EdgeRunner.create(model, batch, { path });
      const got = await arr(runner.logits(0, [runner.graph.fullMask()]));
      if (path === 'hooks') expect(Array.from(got)).toEqual(Array.from(clean));
      else expect(maxAbsDiff(got, clean)).toBeLessThan(1e-5 * scale);
      runner.dispose();
    }
  });

  it('removing every edge out of the embeddings reproduces the corrupted run; so does removing every edge', async () => {
    const runner = await EdgeRunner.create(model, batch);
    const g = runner.graph;
    const fromInput = g.fullMask();
    for (let e = 0; e < g.edgeCount; e++) if (g.edgeSender[e] === 0) fromInput[e] = 0;
    const got = await arr(runner.logits(0, [fromInput, g.fullMask(false)])); // [2B, V]
    const corrupted = await arr(model.forward(batch.groups[0].corrupted, 'last'));
    const n = corrupted.length;
    const scale = Math.max(...Array.from(corrupted, Math.abs));
    expect(maxAbsDiff(got.subarray(0, n), corrupted)).toBeLessThan(1e-4 * scale);
    expect(maxAbsDiff(got.subarray(n), corrupted)).toBeLessThan(1e-4 * scale);
    const clean = await arr(model.forward(batch.groups[0].clean, 'last'));
    expect(maxAbsDiff(clean, corrupted)).toBeGreaterThan(0.05 * scale); // the check above is not vacuous
    runner.dispose();
  });

  it("removing every edge into one head's query equals patching that head's q with its corrupted value", async () => {
    const runner = await EdgeRunner.create(model, batch);
    const g = runner.graph;
    const [l, h] = [2, 1];
    const mask = g.fullMask();
    const slot = g.headSlot(l, h, 'q');
    for (let s = 0; s < g.slotSenderCount[slot]; s++) mask[g.edgeIndex(s, slot)] = 0;
    const got = await arr(runner.logits(0, [mask]));
    const group = batch.groups[0];
    const name = blockHook(l, 'attn.hook_q');
    const { cache } = model.runWithCache(group.corrupted, [name], { logits: 'none' });
    const corruptedQ = cache.get(name); // [B, T, H, dh]
    const headMask = tf.tensor([0, 1], [1, 1, 2, 1], 'bool');
    const patched = await arr(model.runWithHooks(group.clean, [{ name, fn: (x) => tf.where(tf.broadcastTo(headMask, x.shape), corruptedQ, x) }], { logits: 'last' }));
    cache.dispose();
    headMask.dispose();
    expect(maxAbsDiff(got, patched)).toBeLessThan(1e-4 * Math.max(...Array.from(patched, Math.abs)));
    runner.dispose();
  });

  it('batched edge sets, prefixes and unbatched runs agree; no tensor is left behind', async () => {
    const runner = await EdgeRunner.create(model, batch, { maxRowTokens: 3 * 5 * T });
    const g = runner.graph;
    const rand = mulberry32(2);
    const masks = Array.from({ length: 7 }, () => Uint8Array.from({ length: g.edgeCount }, () => (rand() < 0.6 ? 1 : 0)));
    const before = tf.memory().numTensors;
    const batched = await runner.evaluate(masks);
    const single: number[] = [];
    for (const m of masks) single.push((await runner.evaluate([m]))[0]);
    batched.forEach((v, i) => expect(v).toBeCloseTo(single[i], 4));
    // Edge sets differing only in receivers at layer >= 2 may start from a prefix at layer 2.
    const base = masks[0];
    const variants = masks.map((m) => {
      const v = base.slice();
      for (let e = 0; e < g.edgeCount; e++) if (g.slotNode[g.edgeSlot[e]] >= g.headNode(2, 0)) v[e] = m[e];
      return v;
    });
    const prefix = runner.prefix(2, base);
    const fromPrefix = await runner.evaluate(variants, { prefix });
    prefix.dispose();
    const full = await runner.evaluate(variants);
    fromPrefix.forEach((v, i) => expect(v).toBeCloseTo(full[i], 4));
    expect(new Set(full.map((v) => v.toFixed(4))).size).toBeGreaterThan(3); // the variants differ
    expect(tf.memory().numTensors).toBe(before);
    runner.dispose();
  });

  it.each(['corrupted', 'mean', 'zero'] as const)('EAP scores match finite differences of partially removed edges (%s ablation)', async (ablation) => {
    const runner = await EdgeRunner.create(model, batch, { ablation });
    const g = runner.graph;
    const before = tf.memory().numTensors;
    const { scores } = await edgeAttribution(model, batch, { ablation });
    expect(tf.memory().numTensors).toBe(before);
    const rand = mulberry32(5);
    const picked = [g.edgeByName('input->a0.h0:q'), g.edgeByName('a0.h1->a2.h0:k'), g.edgeByName('m1->logits'), g.edgeByName('a2.h1->m2'), ...Array.from({ length: 6 }, () => Math.floor(rand() * g.edgeCount))];
    const eps = 1e-2;
    const masks = picked.flatMap((e) => {
      const minus = new Float32Array(g.edgeCount).fill(1);
      const plus = new Float32Array(g.edgeCount).fill(1);
      minus[e] = 1 - eps; // eps of the way to removed
      plus[e] = 1 + eps;
      return [minus, plus];
    });
    const v = await runner.evaluate(masks);
    const spread = Math.max(...picked.map((e) => Math.abs(scores[e])));
    expect(spread).toBeGreaterThan(1e-3);
    picked.forEach((e, i) => {
      const fd = (v[2 * i] - v[2 * i + 1]) / (2 * eps); // d metric / d (fraction removed)
      expect(Math.abs(fd - scores[e])).toBeLessThan(2e-3 + 2e-2 * Math.abs(scores[e]));
    });
    runner.dispose();
  });

  it('EAP-IG with one step is EAP; with more steps it differs', async () => {
    const eap = await edgeAttribution(model, batch, {});
    const ig1 = await edgeAttribution(model, batch, { steps: 1 });
    expect(ig1.method).toBe('eap-ig');
    expect(maxAbsDiff(eap.scores, ig1.scores)).toBeLessThan(1e-6);
    const ig5 = await edgeAttribution(model, batch, { steps: 5 });
    expect(maxAbsDiff(eap.scores, ig5.scores)).toBeGreaterThan(1e-3);
  });

  it('the KL metric is zero with no edge removed and positive with all removed', async () => {
    const runner = await EdgeRunner.create(model, batch, { metric: 'kl' });
    const g = runner.graph;
    const [none, all] = await runner.evaluate([g.fullMask(), g.fullMask(false)]);
    expect(none).toBeCloseTo(0, 6);
    expect(all).toBeGreaterThan(1e-3);
    runner.dispose();
  });
});
