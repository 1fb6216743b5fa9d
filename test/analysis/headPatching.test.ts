/**
 * The hook-free heads path of activationPatching (analysis/headPatching.ts) against the hooked
 * path it replaced (`path: 'hooks'`) and against one full rerun from the tokens per head with
 * that head's z replaced in a TensorBuffer: model variants (LN, LNPre, no norm, attention-only,
 * untied unembedding with a bias, relu), two prompt lengths, both directions, both metrics, and
 * runs of one head, several heads and every head of a layer.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { blockHook } from '../../src/main/engine/hookNames';
import type { HookedGPT2 } from '../../src/main/engine/model';
import { activationPatching } from '../../src/main/analysis/patching';
import { sharedPrefix } from '../../src/main/analysis/headPatching';
import { busyCores, headPatchWorkers, idleCores, splitLayers } from '../../src/main/analysis/headPatchPool';
import { METRIC_KINDS } from '../../src/main/analysis/metrics';
import { batchFromTokens, type PromptBatch } from '../../src/main/analysis/promptBatch';
import { randomModel, randomTokens, startBackend, tinyConfig } from '../helpers/engine';

/** Config overrides and weight scale; without normalisation a smaller scale keeps activations (and float32 rounding) moderate. */
const VARIANTS: Record<string, { overrides: Record<string, unknown>; std: number }> = {
  'LN, gelu_new': { overrides: {}, std: 0.5 },
  'LNPre, untied unembedding with bias, relu': { overrides: { normalization_type: 'LNPre', tie_word_embeddings: false, unembed_bias: true, activation_function: 'relu' }, std: 0.5 },
  'no normalization': { overrides: { normalization_type: null }, std: 0.15 },
  'attention-only': { overrides: { attn_only: true }, std: 0.5 },
};

/**
 * Prompts of three lengths (three groups) whose clean and corrupted tokens first differ at
 * position 1, 3 (a longer shared prefix) and 0 (in one row only: no shared prefix).
 */
function promptBatch(vocab: number): PromptBatch {
  const differ: Record<number, (b: number, i: number) => boolean> = {
    5: (b, i) => i === 1 || (i === 3 && b % 2 === 0),
    7: (b, i) => i === 3 + (b % 2),
    6: (b, i) => (i === 0 && b === 2) || i === 4,
  };
  const pairs = [5, 7, 6].flatMap((T, gi) =>
    randomTokens(3, T, vocab, 11 + gi).map((clean, b) => {
      const corrupted = clean.map((t, i) => (differ[T](b, i) ? (t + 5 + b) % vocab : t));
      const incorrect = corrupted[T - 3] === clean[T - 2] ? (clean[T - 2] + 1) % vocab : corrupted[T - 3];
      return { clean, corrupted, correct: clean[T - 2], incorrect };
    }),
  );
  return batchFromTokens(pairs);
}

/** Mean logit difference of one full run from the tokens with head h of layer l replaced by the other run's z. */
async function rerunWithHead(model: HookedGPT2, batch: PromptBatch, l: number, h: number, direction: 'denoise' | 'noise'): Promise<number> {
  let total = 0;
  for (const g of batch.groups) {
    const [base, source] = direction === 'denoise' ? [g.corrupted, g.clean] : [g.clean, g.corrupted];
    const name = blockHook(l, 'attn.hook_z');
    const sourceRun = model.runWithCache(source, [name], { logits: 'none' });
    const sourceZ = sourceRun.cache.get(name).bufferSync(); // [B, T, H, dh]
    const hook = {
      name,
      fn: (z: tf.Tensor) => {
        const buf = z.bufferSync();
        const [B, T, , dh] = z.shape;
        for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let d = 0; d < dh; d++) buf.set(sourceZ.get(b, t, h, d), b, t, h, d);
        return buf.toTensor();
      },
    };
    const logits = model.runWithHooks(base, [hook], { logits: 'last' });
    const rows = (await logits.array()) as number[][];
    logits.dispose();
    sourceRun.cache.dispose();
    total += rows.reduce((s, r, b) => s + r[g.correct[b]] - r[g.incorrect[b]], 0);
  }
  return total / batch.size;
}

beforeAll(startBackend);

describe('heads patching without hooks', () => {
  it('runs only the positions after the prefix every row shares between its clean and corrupted prompt', () => {
    const batch = promptBatch(23);
    expect(batch.groups.map((g) => [g.length, sharedPrefix(g)])).toEqual([
      [5, 1],
      [6, 0],
      [7, 3],
    ]);
    expect(sharedPrefix({ length: 4, clean: [[1, 2, 3, 4]], corrupted: [[1, 2, 3, 4]] })).toBe(3); // identical prompts: the last position still runs
  });

  for (const [variant, { overrides, std }] of Object.entries(VARIANTS)) {
    it(`${variant}: equals the hooked path within 1e-5 (both directions and metrics, every run size) and a full rerun per head`, async () => {
      const config = tinyConfig({ n_layer: 3, n_head: 3, n_embd: 12, ...overrides });
      const { model } = randomModel(config, 7, std);
      const batch = promptBatch(config.vocabSize);
      try {
        const before = tf.memory().numTensors;
        for (const direction of ['denoise', 'noise'] as const) {
          for (const metric of METRIC_KINDS) {
            const hooked = await activationPatching(model, batch, { target: 'heads', direction, metric, path: 'hooks' });
            // rows x positions per run: one head per run, two heads (a remainder run), every head of a layer
            for (const maxRowTokens of [3 * 7, 2 * 3 * 7, undefined]) {
              const fast = await activationPatching(model, batch, { target: 'heads', direction, metric, maxRowTokens });
              expect(fast.shape).toEqual(hooked.shape);
              expect(fast.baseline.clean).toBeCloseTo(hooked.baseline.clean, 5);
              expect(fast.baseline.corrupted).toBeCloseTo(hooked.baseline.corrupted, 5);
              fast.raw.forEach((v, i) => expect(Math.abs(v - hooked.raw[i]), `${direction} ${metric} cell ${i}`).toBeLessThan(1e-5));
            }
          }
          const fast = await activationPatching(model, batch, { target: 'heads', direction });
          for (let l = 0; l < config.nLayer; l++) {
            for (let h = 0; h < config.nHead; h++) {
              const ref = await rerunWithHead(model, batch, l, h, direction);
              expect(Math.abs(fast.raw[l * config.nHead + h] - ref), `${direction} L${l}H${h}`).toBeLessThan(1e-5);
            }
          }
          // the patches move the metric: a comparison of equal constants would pass anything
          const unpatched = direction === 'denoise' ? fast.baseline.corrupted : fast.baseline.clean;
          expect(Math.max(...fast.raw.map((v) => Math.abs(v - unpatched)))).toBeGreaterThan(1e-3);
        }
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('heads patching on a pool of worker threads', () => {
  it('sizes the pool from the option, CWB_WORKERS or the idle cores, and splits layers by cost', async () => {
    const gpt2ish = tinyConfig({ n_layer: 12, n_head: 12, n_embd: 768, n_positions: 16, vocab_size: 50257 }); // 85M+ parameters
    expect(await headPatchWorkers(gpt2ish, 3)).toBe(3);
    expect(await headPatchWorkers(tinyConfig(), 40)).toBe(2); // at most one per layer
    const saved = process.env.CWB_WORKERS;
    try {
      process.env.CWB_WORKERS = '5';
      expect(await headPatchWorkers(gpt2ish, undefined)).toBe(5);
      process.env.CWB_WORKERS = 'two';
      await expect(headPatchWorkers(gpt2ish, undefined)).rejects.toThrow('CWB_WORKERS="two" must be a whole number of workers, at least 1');
      delete process.env.CWB_WORKERS;
      expect(await headPatchWorkers(tinyConfig(), undefined)).toBe(1); // small models stay in-process
    } finally {
      if (saved === undefined) delete process.env.CWB_WORKERS;
      else process.env.CWB_WORKERS = saved;
    }
    expect([idleCores(2, 0.1), idleCores(2, 1.2), idleCores(2, 7), idleCores(16, 3.4)]).toEqual([2, 1, 1, 13]);
    // a thread spinning for the whole window makes about one core busy
    const spinner = new Worker('const end = Date.now() + 1500; while (Date.now() < end);', { eval: true });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const busy = await busyCores(400);
      expect(busy).toBeGreaterThan(0.7);
      expect(busy).toBeLessThanOrEqual(os.availableParallelism() + 1e-9);
    } finally {
      await spinner.terminate();
    }
    // 12 layers, a head of layer l runs 12 - l layers: two lists of equal cost (39 each)
    const parts = splitLayers(12, 2);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, l) => l));
    expect(parts.map((p) => p.reduce((s, l) => s + 12 - l, 0))).toEqual([39, 39]);
  });

  it('gives the in-process numbers (3 workers), reports every step and stops on cancel (2 workers)', async () => {
    const config = tinyConfig({ n_layer: 3, n_head: 3, n_embd: 12 });
    const { model } = randomModel(config, 7, 0.5);
    const batch = promptBatch(config.vocabSize);
    try {
      const before = tf.memory().numTensors;
      const inProcess = await activationPatching(model, batch, { target: 'heads', workers: 1 });
      for (const workers of [3]) {
        const steps: number[] = [];
        const pooled = await activationPatching(model, batch, { target: 'heads', workers, onProgress: (done, total) => steps.push(done / total) });
        pooled.raw.forEach((v, i) => expect(Math.abs(v - inProcess.raw[i]), `${workers} workers, cell ${i}`).toBeLessThan(1e-7));
        expect(pooled.baseline).toEqual(inProcess.baseline);
        expect(pooled.runs).toBe(inProcess.runs);
        expect(steps.at(-1)).toBe(1);
      }
      const controller = new AbortController();
      const cancelled = activationPatching(model, batch, { target: 'heads', workers: 2, signal: controller.signal, onProgress: () => controller.abort() });
      await expect(cancelled).rejects.toThrow(/cancel/i);
      // an abort that lands while the workers still start (no step reported yet): the workers it
      // terminates must not turn the cancel into "worker stopped" (CI once saw exactly that)
      const early = new AbortController();
      setTimeout(() => early.abort(), 20); // workers take hundreds of ms to load tfjs and report
      const onTimer = activationPatching(model, batch, { target: 'heads', workers: 2, signal: early.signal });
      await expect(onTimer).rejects.toThrow(/cancel/i);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  });
});
