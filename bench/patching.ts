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
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseHfConfig, type ModelConfig } from '../src/main/engine/config';
import { blockHook } from '../src/main/engine/hookNames';
import { HookedGPT2 } from '../src/main/engine/model';
import { parameterCount, randomParams } from '../src/main/engine/params';
import { tf, type Tensor } from '../src/main/engine/tf';
import { defaultTokenizerJson, defaultVocabulary, generate } from '../src/main/datasets';
import { tokenizerFromJson } from '../src/main/tokenizer';
import { openModel, defaultModelDir } from '../src/main/services/modelSession';
import { writeModelDir } from '../src/main/loader';
import { activationPatching, batchFromTokens, encodeTaskItems, type PromptBatch } from '../src/main/analysis';
import { busyCores, headPatchWorkers } from '../src/main/analysis/headPatchPool';
import { GPT2_SMALL_SHAPE } from './forward';
import { round } from './harness';
import { runPeer } from './peer';

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

/** What bench/peer/patch_heads.py prints. */
interface PeerPatchHeads {
  torch: string;
  threads: number;
  msLoad: number;
  msClean: number;
  msCorrupted: number;
  msPatches: number;
  msTotal: number;
  forwards: number;
  clean: number;
  corrupted: number;
  raw: number[];
}

/** Issue 16's case: 8 prompts of 15 tokens, differing from position 1 on (the hardest case for prefix reuse). */
function issueCasePrompts(V: number, B = 8, T = 15) {
  return Array.from({ length: B }, (_, b) => {
    const clean = Array.from({ length: T }, (_, t) => (b * 7919 + t * 104729) % V);
    const corrupted = clean.map((id, t) => (t === 1 ? (id + 1 + b) % V : id));
    return { clean, corrupted, correct: clean[1], incorrect: corrupted[1] };
  });
}

/**
 * All 144 head-output patches on the GPT-2-small shape (random weights, seed 1), 8 prompts x 15
 * tokens, denoising, logit difference; load included: the model directory is written once to a
 * temporary folder, and each side times reading it and building its model. The workbench runs the
 * CLI's path (openModel, then activationPatching) on one thread and on a pool of one worker per
 * core (msWorkbench is the one its default pool size picks), and the starting path (the hooked one,
 * `path: 'hooks'`); the PyTorch peer (bench/peer/patch_heads.py, one thread) runs one full hooked
 * forward per head, TransformerLens-style. BENCH_OLD_PATH=0 skips the hooked path.
 */
export async function benchPatchingHeadsIssueCase(): Promise<Record<string, unknown>> {
  const config = parseHfConfig(GPT2_SMALL_SHAPE);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cwb-bench-heads-'));
  try {
    const modelDir = path.join(dir, 'model');
    await writeModelDir(modelDir, { config, params: randomParams(config, 1), tokenizerJson: defaultTokenizerJson() });
    const pairs = issueCasePrompts(config.vocabSize);
    const promptsFile = path.join(dir, 'prompts.json');
    writeFileSync(promptsFile, JSON.stringify({ clean: pairs.map((p) => p.clean), corrupted: pairs.map((p) => p.corrupted), correct: pairs.map((p) => p.correct), incorrect: pairs.map((p) => p.incorrect) }));
    const batch = batchFromTokens(pairs);
    const tensorsBefore = tf.memory().numTensors;
    const workbench = async (pathName: 'hooks' | undefined, workers?: number) => {
      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
      const t0 = performance.now();
      const session = await openModel(modelDir);
      const msLoad = performance.now() - t0;
      try {
        const result = await activationPatching(session.model, batch, { target: 'heads', direction: 'denoise', metric: 'logit-diff', path: pathName, workers });
        return { ms: performance.now() - t0, msLoad, result, peakRssMiB: Math.round(peakRss / 2 ** 20) };
      } finally {
        clearInterval(sampler);
        session.model.dispose();
      }
    };
    // both pool sizes are measured; the default (idle cores) picks one of them
    const workers = await headPatchWorkers(config, undefined);
    const cores = os.availableParallelism();
    const oneThread = await workbench(undefined, 1);
    const pool = cores > 1 ? await workbench(undefined, cores) : undefined;
    const fast = workers > 1 && pool ? pool : oneThread;
    const old = process.env.BENCH_OLD_PATH === '0' ? undefined : await workbench('hooks');
    const tensorsAfter = tf.memory().numTensors;
    const peer = runPeer<PeerPatchHeads>('patch_heads.py', [modelDir, promptsFile]);
    const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    const L = config.nLayer;
    return {
      model: 'GPT-2-small shape (12L, 12H, d768), random weights (seed 1)',
      prompts: '8 x 15 tokens, clean and corrupted differ from position 1 on',
      interventions: fast.result.values.length,
      // a forward-equivalent is one full forward of the 8 prompts; each head of layer l costs at most layers l..11 (its layer's attention is skipped)
      forwardEquivalents: { workbench: round(2 + (fast.result.shape[1] * Array.from({ length: L }, (_, l) => L - l).reduce((a, b) => a + b, 0)) / L), peer: 2 + fast.result.values.length },
      msWorkbench: round(fast.ms),
      msWorkbenchLoad: round(fast.msLoad),
      workbenchRuns: fast.result.runs,
      workers: `${workers} by default (CWB_WORKERS, else idle cores: ${cores} cores, busy cores now ${round(await busyCores(), 2)})`,
      peakRssMiB: fast.peakRssMiB,
      msOneThread: round(oneThread.ms),
      peakRssMiBOneThread: oneThread.peakRssMiB,
      msPool: pool ? round(pool.ms) : 'one core: no pool',
      poolWorkers: pool ? cores : undefined,
      peakRssMiBPool: pool?.peakRssMiB,
      maxAbsDiffPoolToOneThread: pool ? maxDiff(pool.result.raw, oneThread.result.raw) : undefined,
      msStartingPath: old ? round(old.ms) : 'skipped (BENCH_OLD_PATH=0)',
      speedupOverStartingPath: old ? round(old.ms / fast.ms) : undefined,
      maxAbsDiffToStartingPath: old ? maxDiff(fast.result.raw, old.result.raw) : undefined,
      peer: peer.ran
        ? {
            torch: peer.result.torch,
            threads: peer.result.threads,
            msTotal: round(peer.result.msTotal),
            msLoad: round(peer.result.msLoad),
            msPatches: round(peer.result.msPatches),
            forwards: peer.result.forwards,
            workbenchSpeedupOverPeer: round(peer.result.msTotal / fast.ms),
            maxAbsDiffOfMetric: maxDiff(fast.result.raw, peer.result.raw),
            cleanAndCorruptedDiff: [Math.abs(peer.result.clean - fast.result.baseline.clean), Math.abs(peer.result.corrupted - fast.result.baseline.corrupted)],
          }
        : { skipped: peer.note },
      numTensorsBefore: tensorsBefore,
      numTensorsAfter: tensorsAfter,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
