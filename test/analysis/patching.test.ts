/**
 * Batched, prefix-reusing activation patching against the obvious implementation: one full run
 * from the tokens per intervention, the activation edited element by element in a TensorBuffer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { blockHook } from '../../src/main/engine/hookNames';
import type { HookedGPT2 } from '../../src/main/engine/model';
import { activationPatching, type PatchTarget } from '../../src/main/analysis/patching';
import { batchFromTokens } from '../../src/main/analysis/promptBatch';
import { randomModel, randomTokens, startBackend, tinyConfig } from '../helpers/engine';

let model: HookedGPT2;
const config = tinyConfig({ n_layer: 2, n_head: 3, n_embd: 12 });
const T = 5;
const clean = randomTokens(4, T, config.vocabSize, 3);
const corrupted = clean.map((row, b) => row.map((t, i) => (i === 1 || (i === 3 && b % 2 === 0) ? (t + 5 + b) % config.vocabSize : t)));
const correct = clean.map((r) => r[1]);
const incorrect = corrupted.map((r) => r[1]);
const batch = batchFromTokens(clean.map((c, i) => ({ clean: c, corrupted: corrupted[i], correct: correct[i], incorrect: incorrect[i] })));

beforeAll(async () => {
  await startBackend();
  model = randomModel(config, 4, 0.5).model;
});
afterAll(() => model.dispose());

/** Mean logit difference of a full run from tokens with one hook. */
async function meanDiff(tokens: number[][], hookName: string | undefined, edit: ((x: tf.TensorBuffer<tf.Rank>) => void) | undefined): Promise<number> {
  const hooks = hookName && edit ? [{ name: hookName, fn: (x: tf.Tensor) => { const buf = x.bufferSync(); edit(buf); return buf.toTensor(); } }] : [];
  const logits = model.runWithHooks(tokens, hooks, { logits: 'last' });
  const rows = (await logits.array()) as number[][];
  logits.dispose();
  return rows.reduce((s, r, b) => s + r[correct[b]] - r[incorrect[b]], 0) / rows.length;
}

const HOOKS: Record<PatchTarget, string> = {
  resid: 'hook_resid_pre', attn: 'hook_attn_out', mlp: 'hook_mlp_out', heads: 'attn.hook_z', 'head-pos': 'attn.hook_z',
  q: 'attn.hook_q', k: 'attn.hook_k', v: 'attn.hook_v', pattern: 'attn.hook_pattern',
};

/** The entries of one intervention, as [b, ...index] predicates over the activation. */
function selects(target: PatchTarget, cell: number, H: number): (idx: number[]) => boolean {
  switch (target) {
    case 'resid': case 'attn': case 'mlp': return (i) => i[1] === cell; // [B, T, D]
    case 'heads': case 'q': case 'k': case 'v': return (i) => i[2] === cell; // [B, T, H, dh]
    case 'head-pos': return (i) => i[2] === Math.floor(cell / T) && i[1] === cell % T;
    case 'pattern': return (i) => i[1] === cell; // [B, H, Tq, Tk]
  }
  void H;
}

function* indices(shape: number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < n; f++) {
    const idx: number[] = [];
    let r = f;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]);
      r = Math.floor(r / shape[d]);
    }
    yield idx;
  }
}

describe('activation patching', () => {
  for (const target of ['resid', 'attn', 'mlp', 'heads', 'head-pos', 'q', 'k', 'v', 'pattern'] as PatchTarget[]) {
    it(`${target}: batched from-layer runs equal one full run per intervention (both directions)`, async () => {
      const before = tf.memory().numTensors;
      const cleanRef = await meanDiff(clean, undefined, undefined);
      const corruptedRef = await meanDiff(corrupted, undefined, undefined);
      for (const direction of ['denoise', 'noise'] as const) {
        // small maxRowTokens forces several batched runs per layer, so chunking is exercised
        const r = await activationPatching(model, batch, { target, direction, maxRowTokens: 2 * 4 * T });
        expect(r.baseline.clean).toBeCloseTo(cleanRef, 4);
        expect(r.baseline.corrupted).toBeCloseTo(corruptedRef, 4);
        const [base, source] = direction === 'denoise' ? [corrupted, clean] : [clean, corrupted];
        const cells = r.values.length / config.nLayer;
        for (let l = 0; l < config.nLayer; l++) {
          const name = blockHook(l, HOOKS[target]);
          const { cache } = model.runWithCache(source, [name], { logits: 'none' });
          const src = cache.get(name).bufferSync();
          const shape = cache.get(name).shape;
          cache.dispose();
          for (let cell = 0; cell < cells; cell++) {
            const pick = selects(target, cell, config.nHead);
            const expected = await meanDiff(base, name, (buf) => {
              for (const idx of indices(shape)) if (pick(idx)) buf.set(src.get(...idx), ...idx);
            });
            const got = r.raw[l * cells + cell];
            expect(Math.abs(got - expected), `${direction} layer ${l} cell ${cell}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected)));
            expect(r.values[l * cells + cell]).toBeCloseTo((got - r.baseline.corrupted) / (r.baseline.clean - r.baseline.corrupted), 6);
          }
        }
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the residual at layer 0 carries the whole difference at the one position where the prompts differ', async () => {
    const onlyPos1 = batchFromTokens(clean.map((c, i) => ({ clean: c, corrupted: c.map((t, p) => (p === 1 ? corrupted[i][1] : t)), correct: correct[i], incorrect: incorrect[i] })));
    for (const direction of ['denoise', 'noise'] as const) {
      const r = await activationPatching(model, onlyPos1, { target: 'resid', direction });
      expect(r.shape).toEqual([config.nLayer, T]);
      expect(r.labels.position).toHaveLength(T);
      const restored = direction === 'denoise' ? 1 : 0;
      for (let p = 0; p < T; p++) expect(r.values[p], `position ${p}`).toBeCloseTo(p === 1 ? restored : 1 - restored, 5);
    }
  });

  it('KL metric: 0 on the clean run, normalised like the logit difference', async () => {
    const r = await activationPatching(model, batch, { target: 'heads', metric: 'kl' });
    expect(r.baseline.clean).toBeCloseTo(0, 5);
    expect(r.baseline.corrupted).toBeGreaterThan(0);
    expect(r.values.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('reports progress, can be cancelled, and frees its tensors when cancelled', async () => {
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    await activationPatching(model, batch, { target: 'head-pos', maxRowTokens: 4 * T, onProgress: (d, t) => seen.push(d / t) });
    expect(seen.at(-1)).toBe(1);
    expect(seen.length).toBeGreaterThan(5);
    const ac = new AbortController();
    const run = activationPatching(model, batch, { target: 'head-pos', maxRowTokens: 4 * T, signal: ac.signal, onProgress: (d) => d >= 3 && ac.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('position-resolved targets refuse prompts of different lengths, naming the lengths', async () => {
    const mixed = batchFromTokens([
      { clean: [1, 2, 3], corrupted: [1, 4, 3], correct: 2, incorrect: 4, template: 'short' },
      { clean: [1, 2, 3, 5], corrupted: [1, 4, 3, 5], correct: 2, incorrect: 4, template: 'long' },
    ]);
    await expect(activationPatching(model, mixed, { target: 'resid' })).rejects.toThrow(/needs prompts of one token length; this dataset has 3 tokens \(rows 0; template short\) and 4 tokens \(rows 1; template long\)/);
    const heads = await activationPatching(model, mixed, { target: 'heads' });
    expect(heads.prompts).toBe(2);
    expect(() => batchFromTokens([{ clean: [1, 2], corrupted: [1], correct: 1, incorrect: 2 }])).toThrow(/row 0: the clean prompt is 2 tokens and the corrupted prompt 1/);
  });
});
