/**
 * Head-output activation patching (every layer x head, 32 prompts, denoising) three ways:
 * - naive: one full run from the tokens per intervention (hook on attn.hook_z);
 * - prefix reuse: one run per intervention, starting at the patched layer from the cached residual;
 * - prefix reuse + batching: the service (activationPatching), interventions stacked on the batch axis.
 * All three unembed only the last position. On large models the naive and prefix-only costs are
 * measured on a sample of interventions (one head per layer, so every depth is covered) and
 * scaled to all layers x heads: a naive run costs the same for every head, and the sample
 * covers every start layer once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseHfConfig, type ModelConfig } from '../src/main/engine/config';
import { blockHook } from '../src/main/engine/hookNames';
import { HookedGPT2 } from '../src/main/engine/model';
import { parameterCount, randomParams } from '../src/main/engine/params';
import { tf, type Tensor } from '../src/main/engine/tf';
import { defaultTokenizerJson, defaultVocabulary, generate } from '../src/main/datasets';
import { tokenizerFromJson } from '../src/main/tokenizer';
import { openModel, defaultModelDir } from '../src/main/services/modelSession';
import { activationPatching, batchFromTokens, encodeTaskItems, type PromptBatch } from '../src/main/analysis';
import { GPT2_SMALL_SHAPE } from './forward';
import { round } from './harness';

/** The default model's architecture (DEFAULT_RECIPE in src/main/training/defaultRecipe.ts) over the default vocabulary. */
const DEFAULT_SHAPE = { n_layer: 3, n_head: 4, n_embd: 64, n_inner: 256, n_positions: 32, prepend_bos: true };

const PROMPTS = 32;

interface Cell {
  layer: number;
  head: number;
}

/** Mean logit difference of one intervention, computed the naive or the prefix-reusing way. */
async function single(model: HookedGPT2, batch: PromptBatch, cell: Cell, caches: Caches, fromLayer: boolean): Promise<number> {
  let total = 0;
  for (const [gi, g] of batch.groups.entries()) {
    const c = caches[gi];
    const value = tf.tidy(() => {
      const H = model.config.nHead;
      const mask = tf.oneHot(tf.tensor1d([cell.head], 'int32'), H).reshape([1, 1, H, 1]).cast('bool'); // [1, 1, H, 1]
      const hook = { name: blockHook(cell.layer, 'attn.hook_z'), fn: (z: Tensor) => tf.where(tf.broadcastTo(mask, z.shape), c.cleanZ[cell.layer], z) };
      const logits = fromLayer
        ? model.runFromLayer(cell.layer, c.corruptedResid[cell.layer], [hook], { logits: 'last' }).logits!
        : model.runWithHooks(g.corrupted, [hook], { logits: 'last' }); // [B, V]
      const sign = tf.oneHot(tf.tensor1d(g.correct, 'int32'), model.config.vocabSize).sub(tf.oneHot(tf.tensor1d(g.incorrect, 'int32'), model.config.vocabSize)); // [B, V]
      return logits.mul(sign).sum(); // scalar
    });
    total += (await value.data())[0];
    value.dispose();
  }
  return total / batch.size;
}

interface GroupCache {
  cleanZ: Tensor[];
  corruptedResid: Tensor[];
}
type Caches = GroupCache[];

function buildCaches(model: HookedGPT2, batch: PromptBatch): { caches: Caches; dispose: () => void } {
  const L = model.config.nLayer;
  const kept: Tensor[] = [];
  const caches = batch.groups.map((g) => {
    const clean = model.runWithCache(g.clean, Array.from({ length: L }, (_, l) => blockHook(l, 'attn.hook_z')), { logits: 'none' });
    const corrupted = model.runWithCache(g.corrupted, Array.from({ length: L }, (_, l) => blockHook(l, 'hook_resid_pre')), { logits: 'none' });
    const cleanZ = Array.from({ length: L }, (_, l) => clean.cache.get(blockHook(l, 'attn.hook_z')));
    const corruptedResid = Array.from({ length: L }, (_, l) => corrupted.cache.get(blockHook(l, 'hook_resid_pre')));
    kept.push(...cleanZ, ...corruptedResid);
    return { cleanZ, corruptedResid };
  });
  return { caches, dispose: () => tf.dispose(kept) };
}

async function timed<T>(body: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await body();
  return { ms: performance.now() - t0, value };
}

async function comparePatching(label: string, model: HookedGPT2, batch: PromptBatch, sampleOnly: boolean, note: string): Promise<Record<string, unknown>> {
  const c: ModelConfig = model.config;
  const L = c.nLayer;
  const H = c.nHead;
  const all: Cell[] = [];
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) all.push({ layer: l, head: h });
  const sample = sampleOnly ? Array.from({ length: L }, (_, l) => ({ layer: l, head: l % H })) : all;
  const scale = all.length / sample.length;

  // warm-up sizes the wasm heap and initialises kernels (the full batch where that is cheap)
  await activationPatching(model, sampleOnly ? batchFromTokens([pairOf(batch)]) : batch, { target: 'heads' });

  const batched = await timed(() => activationPatching(model, batch, { target: 'heads', direction: 'denoise' }));
  // the one-at-a-time paths pay for their own caches too (clean z; corrupted residuals), as the service does
  const oneAtATime = (fromLayer: boolean) =>
    timed(async () => {
      const { caches, dispose } = buildCaches(model, batch);
      try {
        const out: number[] = [];
        for (const cell of sample) out.push(await single(model, batch, cell, caches, fromLayer));
        return out;
      } finally {
        dispose();
      }
    });
  const naive = await oneAtATime(false);
  const prefix = await oneAtATime(true);
  const raw = batched.value.raw;
  const maxAbsDiff = Math.max(...sample.map((cell, i) => Math.max(Math.abs(raw[cell.layer * H + cell.head] - naive.value[i]), Math.abs(raw[cell.layer * H + cell.head] - prefix.value[i]))));
  const naiveMs = naive.ms * scale;
  const prefixMs = prefix.ms * scale;
  return {
    model: label,
    parameters: parameterCount(c),
    prompts: batch.size,
    promptTokens: batch.groups.map((g) => `${g.rows.length} x ${g.length}`).join(', '),
    interventions: all.length,
    note,
    batchedRuns: batched.value.runs,
    msPrefixReuseAndBatching: round(batched.ms),
    msPrefixReuseOnly: round(prefixMs),
    msNaiveFullRerunPerPatch: round(naiveMs),
    naiveAndPrefixMeasuredOn: sampleOnly ? `${sample.length} of ${all.length} interventions (one head per layer), scaled x${round(scale)}` : 'all interventions',
    speedupOverNaive: round(naiveMs / batched.ms),
    speedupOfPrefixReuseAlone: round(naiveMs / prefixMs),
    speedupOfBatchingOnTopOfPrefixReuse: round(prefixMs / batched.ms),
    maxAbsDifferenceOfMetric: maxAbsDiff,
  };
}

function pairOf(batch: PromptBatch) {
  const g = batch.groups[0];
  return { clean: g.clean[0], corrupted: g.corrupted[0], correct: g.correct[0], incorrect: g.incorrect[0] };
}

/** The default model if it has landed in resources/, else a random model of its shape; real IOI prompts either way. */
export async function benchPatchingDefault(): Promise<Record<string, unknown>> {
  return {
    prompts32: await patchingDefault(PROMPTS),
    // with few prompts a run is too small to use the machine, and stacking interventions pays
    prompts4: await patchingDefault(4),
  };
}

async function patchingDefault(n: number): Promise<Record<string, unknown>> {
  const items = generate('ioi', { n, seed: 1, templates: ['ioi/when-went/ABBA'] });
  const dir = defaultModelDir();
  if (existsSync(path.join(dir, 'config.json'))) {
    const session = await openModel(dir);
    try {
      return await comparePatching('default model (resources/default-model)', session.model, encodeTaskItems(items, session.tokenizer, session.config), false, 'trained default model, IOI prompts (abc corruption)');
    } finally {
      session.model.dispose();
    }
  }
  const config = parseHfConfig({ ...DEFAULT_SHAPE, vocab_size: defaultVocabulary().length });
  const model = HookedGPT2.fromParams(config, randomParams(config, 2, 0.1));
  try {
    const tokenizer = tokenizerFromJson(defaultTokenizerJson());
    return await comparePatching('default-model shape (3L, 4H, d64), random weights', model, encodeTaskItems(items, tokenizer, config), false, 'the default model has not landed: random weights of its shape, real IOI prompts');
  } finally {
    model.dispose();
  }
}

/** GPT-2-small shape with random weights; prompts of BENCH_PATCH_T tokens (default 8: shorter than IOI prompts, to keep the bench minutes long on 2 cores). */
export async function benchPatchingGpt2Small(): Promise<Record<string, unknown>> {
  const T = Number(process.env.BENCH_PATCH_T ?? 8);
  const config = parseHfConfig(GPT2_SMALL_SHAPE);
  const model = HookedGPT2.fromParams(config, randomParams(config, 1));
  const V = config.vocabSize;
  const pairs = Array.from({ length: PROMPTS }, (_, b) => {
    const clean = Array.from({ length: T }, (_, t) => (b * 7919 + t * 104729) % V);
    const corrupted = clean.map((id, t) => (t === 1 ? (id + 1 + b) % V : id));
    return { clean, corrupted, correct: clean[1], incorrect: corrupted[1] };
  });
  try {
    return await comparePatching('GPT-2-small shape (12L, 12H, d768), random weights', model, batchFromTokens(pairs), true, `${T}-token prompts (shorter than real IOI prompts), differing at position 1`);
  } finally {
    model.dispose();
  }
}
