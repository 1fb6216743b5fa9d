/**
 * Logit difference and the logit lens (outline step 1). The lens reads the accumulated residual
 * stream after the embeddings, after each attention layer (mid) and after each block (post),
 * applies ln_final and projects on the answer direction U[correct] - U[incorrect].
 *
 * Scale convention: 'recomputed' (default) normalises each accumulated residual by its own
 * LayerNorm scale, as TransformerLens's accumulated_resid(apply_ln=True) does; 'frozen' divides
 * every stage by the final LayerNorm scale of the real run (the convention of direct logit
 * attribution). Both equal the model's logit difference at the last stage.
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import { tf } from '../engine/tf';
import { answerDirections, applyFinalLn, unembedBiasDiff } from './answerDirection';
import { logitDiffPerPrompt } from './metrics';
import { Progress, type AnalysisOptions } from './progress';
import type { PromptBatch, PromptGroup } from './promptBatch';
import { lastPosition, mean, rowsOf } from './tensorUtil';

export type PromptSide = 'clean' | 'corrupted';

export interface LogitDiffResult {
  kind: 'logit-diff';
  /** Per item, in dataset order. */
  clean: number[];
  corrupted: number[];
  meanClean: number;
  meanCorrupted: number;
  templates: string[];
}

/** Final-position logit difference of every item on its clean and corrupted prompt. */
export async function logitDifference(model: HookedGPT2, batch: PromptBatch, opts: AnalysisOptions = {}): Promise<LogitDiffResult> {
  const progress = new Progress(batch.groups.length * 2, opts);
  const clean = new Array<number>(batch.size);
  const corrupted = new Array<number>(batch.size);
  const templates = new Array<string>(batch.size);
  for (const g of batch.groups) {
    for (const side of ['clean', 'corrupted'] as const) {
      progress.check();
      const diff = tf.tidy(() => logitDiffPerPrompt(model.forward(g[side], 'last'), g.correct, g.incorrect)); // [B]
      const values = await diff.data();
      diff.dispose();
      g.rows.forEach((row, i) => {
        (side === 'clean' ? clean : corrupted)[row] = values[i];
        templates[row] = g.items[i].template;
      });
      await progress.step();
    }
  }
  return { kind: 'logit-diff', clean, corrupted, meanClean: mean(clean), meanCorrupted: mean(corrupted), templates };
}

export type LensScale = 'recomputed' | 'frozen';

export interface LogitLensResult {
  kind: 'logit-lens';
  side: PromptSide;
  scale: LensScale;
  /** States the LayerNorm convention in words, for the output. */
  convention: string;
  /** Stage labels: 'embed', then per layer 'L0 mid' (models with MLPs) and 'L0 post'. */
  stages: string[];
  /** [N][S] per item in dataset order, and the mean over items [S]. */
  perPrompt: number[][];
  mean: number[];
  /** The model's own final logit difference per item (the last stage equals it). */
  logitDiff: number[];
}

/** Hook names of the accumulated-residual stages, with their labels. */
export function residualStages(model: HookedGPT2): { name: string; label: string }[] {
  const c = model.config;
  const stages = [{ name: blockHook(0, 'hook_resid_pre'), label: 'embed' }];
  for (let l = 0; l < c.nLayer; l++) {
    if (!c.attnOnly) stages.push({ name: blockHook(l, 'hook_resid_mid'), label: `L${l} mid` });
    stages.push({ name: blockHook(l, 'hook_resid_post'), label: `L${l} post` });
  }
  return stages;
}

export async function logitLens(
  model: HookedGPT2,
  batch: PromptBatch,
  opts: AnalysisOptions & { side?: PromptSide; scale?: LensScale } = {},
): Promise<LogitLensResult> {
  const side = opts.side ?? 'clean';
  const scale = opts.scale ?? 'recomputed';
  const stages = residualStages(model);
  const S = stages.length;
  const perPrompt = new Array<number[]>(batch.size);
  const logitDiff = new Array<number>(batch.size);
  const progress = new Progress(batch.groups.length, opts);
  for (const g of batch.groups) {
    progress.check();
    const [lens, actual] = lensForGroup(model, g, side, scale, stages.map((s) => s.name));
    const lensRows = rowsOf(await lens.data(), S);
    const actualValues = await actual.data();
    tf.dispose([lens, actual]);
    g.rows.forEach((row, i) => {
      perPrompt[row] = lensRows[i];
      logitDiff[row] = actualValues[i];
    });
    await progress.step();
  }
  const meanRow = Array.from({ length: S }, (_, s) => mean(perPrompt.map((r) => r[s])));
  const convention =
    model.config.normalization === 'none'
      ? 'the model has no final LayerNorm: stages are projected on the answer direction directly'
      : scale === 'recomputed'
        ? 'each stage is passed through ln_final with its own LayerNorm scale recomputed (TransformerLens accumulated_resid with apply_ln=True)'
        : 'each stage is passed through ln_final with the final LayerNorm scale of the real run frozen';
  return { kind: 'logit-lens', side, scale, convention, stages: stages.map((s) => s.label), perPrompt, mean: meanRow, logitDiff };
}

/** [B, S] lens values and [B] actual logit differences of one group. */
function lensForGroup(model: HookedGPT2, g: PromptGroup, side: PromptSide, scale: LensScale, names: string[]): [tf.Tensor, tf.Tensor] {
  const wanted = [...names, 'ln_final.hook_scale'];
  const { logits, cache } = model.runWithCache(g[side], wanted, { logits: 'last' });
  try {
    return tf.tidy(() => {
      const resid = tf.stack(names.map((n) => lastPosition(cache.get(n))), 1); // [B, S, D]
      const frozen = scale === 'frozen' && cache.has('ln_final.hook_scale') ? lastPosition(cache.get('ln_final.hook_scale')).expandDims(1) : undefined; // [B, 1, 1]
      const normed = applyFinalLn(model, resid, frozen); // [B, S, D]
      const dirs = answerDirections(model, g.correct, g.incorrect); // [B, D]
      const lens = normed.mul(dirs.expandDims(1)).sum(-1).add(unembedBiasDiff(model, g.correct, g.incorrect).expandDims(1)); // [B, S]
      return [lens, logitDiffPerPrompt(logits!, g.correct, g.incorrect)]; // [B, S], [B]
    });
  } finally {
    logits?.dispose();
    cache.dispose();
  }
}
