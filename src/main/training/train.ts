/**
 * Training a GPT-2 from scratch on the task corpus: seeded init, seeded data order, AdamW with
 * warm-up, cosine decay and gradient clipping. The same recipe gives the same loss sequence.
 * Runs on the live backend; the embedding is one-hot x matMul so it is differentiable on wasm.
 */
import type { ModelConfig } from '../engine/config';
import { HookedGPT2 } from '../engine/model';
import { parameterCount, randomParams, type ParamDict } from '../engine/params';
import { tf } from '../engine/tf';
import type { Tokenizer } from '../tokenizer/types';
import type { TaskItem } from '../datasets';
import { evaluate, type GroupStats, type TaskStats } from '../services/evaluate';
import { AdamW } from './adam';
import { BatchStream } from './corpus';
import { lossAndGradients } from './loss';
import type { TrainingRecipe } from './recipe';
import { learningRateAt } from './schedule';
import { makeTrainable, exportParams, type TrainableWeights } from './trainableWeights';
import { GradientPool, splitBatch } from './gradientPool';
import type { TrainingBatch } from './corpus';

export interface TrainProgress {
  /** Steps done (1-based after the first step). */
  step: number;
  steps: number;
  loss: number;
  lr: number;
  gradNorm: number;
  elapsedMs: number;
}

/** Evaluation during training: the summaries only (per-item results would bloat the log). */
export interface CheckpointEval {
  step: number;
  overall: GroupStats;
  tasks: Record<string, TaskStats>;
}

export interface TrainOptions {
  tokenizer: Tokenizer;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** Evaluate on `evalItems` every `evalEvery` steps and at the end (0: never). */
  evalEvery?: number;
  evalItems?: readonly TaskItem[];
  onEval?: (e: CheckpointEval) => void;
  /**
   * Threads that compute each step's gradient (gradientPool.ts): 1 (default) computes it here;
   * n > 1 cuts each batch into n shares of rows, this thread and n - 1 workers one each. The result
   * equals the one-thread run up to float rounding, not bit for bit.
   */
  workers?: number;
}

export interface TrainingLog {
  recipe: TrainingRecipe;
  config: ModelConfig;
  parameterCount: number;
  /** Loss of each step, in order (before that step's update). */
  losses: number[];
  learningRates: number[];
  gradNorms: number[];
  evals: CheckpointEval[];
  timings: { startedAt: string; wallMs: number; stepsPerSecond: number; backend: string };
}

export interface TrainResult {
  config: ModelConfig;
  params: ParamDict;
  log: TrainingLog;
}

/** The GPT-2 config a recipe describes, over a tokenizer's vocabulary (prompts start with BOS). */
export function configFor(recipe: TrainingRecipe, vocabSize: number): ModelConfig {
  const a = recipe.architecture;
  if (a.dModel % a.nHead !== 0) throw new Error(`dModel ${a.dModel} is not divisible by nHead ${a.nHead}`);
  return {
    nLayer: a.nLayer,
    nHead: a.nHead,
    dModel: a.dModel,
    dHead: a.dModel / a.nHead,
    dMlp: a.dMlp,
    nCtx: a.nCtx,
    vocabSize,
    lnEps: 1e-5,
    activation: 'gelu_new',
    normalization: 'LN',
    attnOnly: false,
    tiedEmbeddings: true,
    unembedBias: false,
    prependBos: true,
  };
}

/** Seeded initial parameters: GPT-2 init with the recipe's std, the two embeddings at their own std. */
export function initialParams(config: ModelConfig, recipe: TrainingRecipe): ParamDict {
  const params = randomParams(config, recipe.seed, recipe.init.std);
  for (const [name, std] of [['wte.weight', recipe.init.embeddingStd], ['wpe.weight', recipe.init.positionStd]] as const) {
    const p = params.get(name)!;
    const scale = std / recipe.init.std;
    for (let i = 0; i < p.data.length; i++) p.data[i] *= scale;
  }
  return params;
}

function abortError(step: number): Error {
  const e = new Error(`training aborted after ${step} steps`);
  e.name = 'AbortError';
  return e;
}

/** Train from scratch. Throws an AbortError when `signal` aborts; frees every tensor it made. */
export async function train(recipe: TrainingRecipe, opts: TrainOptions): Promise<TrainResult> {
  const { tokenizer } = opts;
  const config = configFor(recipe, tokenizer.vocabSize);
  const o = recipe.optimiser;
  const workers = opts.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a whole number, at least 1 (got ${workers})`);
  const params0 = initialParams(config, recipe);
  const trainable = makeTrainable(config, params0);
  const pool = workers > 1 ? await GradientPool.start(config, params0, workers - 1).catch((err: unknown) => {
    trainable.dispose();
    throw err;
  }) : undefined;
  const model = new HookedGPT2(config, trainable.weights);
  const adam = new AdamW(trainable.variables, trainable.decayed, o);
  const stream = new BatchStream(tokenizer, recipe.data, config.nCtx, o.batchSize, recipe.seed);
  const log: TrainingLog = {
    recipe,
    config,
    parameterCount: parameterCount(config),
    losses: [],
    learningRates: [],
    gradNorms: [],
    evals: [],
    timings: { startedAt: new Date().toISOString(), wallMs: 0, stepsPerSecond: 0, backend: tf.getBackend() },
  };
  const started = performance.now();
  const checkpoint = async (step: number) => {
    if (!opts.evalItems || opts.evalItems.length === 0) return;
    model.embeddingMode = 'gather';
    const { overall, tasks } = await evaluate({ model, tokenizer, config }, opts.evalItems, { signal: opts.signal });
    model.embeddingMode = 'onehot';
    const e: CheckpointEval = { step, overall, tasks };
    log.evals.push(e);
    opts.onEval?.(e);
  };
  try {
    model.embeddingMode = 'onehot';
    for (let step = 0; step < o.steps; step++) {
      if (opts.signal?.aborted) throw abortError(step);
      const batch = stream.next();
      const lr = learningRateAt(step, o);
      const { loss, grads } = await batchGradients(model, trainable, batch, pool);
      const { gradNorm } = await adam.step(grads, lr);
      log.losses.push(loss);
      log.learningRates.push(lr);
      log.gradNorms.push(gradNorm);
      opts.onProgress?.({ step: step + 1, steps: o.steps, loss, lr, gradNorm, elapsedMs: performance.now() - started });
      if (opts.evalEvery && (step + 1) % opts.evalEvery === 0 && step + 1 < o.steps) await checkpoint(step + 1);
      // Let timers and abort events run between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const wallMs = performance.now() - started;
    log.timings.wallMs = wallMs;
    log.timings.stepsPerSecond = o.steps / (wallMs / 1000);
    if (opts.evalEvery !== undefined && opts.evalEvery > 0) await checkpoint(o.steps);
    const params = await exportParams(config, trainable.weights);
    return { config, params, log };
  } finally {
    pool?.dispose();
    adam.dispose();
    trainable.dispose();
  }
}

/**
 * The loss of a batch and the gradient of every variable (trainable order; the caller owns the
 * tensors): computed here, or with `pool`, in shares at once on this thread and the pool's workers.
 */
export async function batchGradients(model: HookedGPT2, trainable: TrainableWeights, batch: TrainingBatch, pool?: GradientPool): Promise<{ loss: number; grads: tf.Tensor[] }> {
  return pool ? pooledGradients(pool, model, trainable, batch) : lossAndGradients(model, trainable.variables, batch);
}

/**
 * The batch's loss and gradients from shares computed at once: this thread the first share, the
 * pool's workers the others. Each share's mean is weighted by its share of the loss weight.
 */
async function pooledGradients(pool: GradientPool, model: HookedGPT2, trainable: TrainableWeights, batch: TrainingBatch): Promise<{ loss: number; grads: tf.Tensor[] }> {
  const shares = splitBatch(batch, pool.size + 1);
  const values = await Promise.all(trainable.variables.map(async (v) => new Float32Array(await v.data())));
  const remote = pool.step(values, shares.slice(1)); // the workers start now
  const local = await lossAndGradients(model, trainable.variables, shares[0]);
  const others = await remote;
  const total = shares.reduce((s, x) => s + x.weightSum, 0);
  const share = shares.map((x) => x.weightSum / total);
  const grads = tf.tidy(() =>
    local.grads.map((g, j) => others.reduce((sum, o, i) => sum.add(tf.tensor(o.grads[j], g.shape).mul(share[i + 1])), g.mul(share[0]))), // each like its variable
  );
  tf.dispose(local.grads);
  return { loss: others.reduce((s, o, i) => s + share[i + 1] * o.loss, share[0] * local.loss), grads };
}
