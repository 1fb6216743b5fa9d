/**
 * Logit lens top tokens: for one prompt, the k most probable next tokens that the accumulated
 * residual at each stage (embed, each layer's mid and post) and each position would give, read
 * through ln_final (its scale recomputed per stage, as TransformerLens's accumulated_resid with
 * apply_ln=True) and the unembedding. The last stage is the model's own prediction.
 */
import type { HookedGPT2 } from '../engine/model';
import { tf } from '../engine/tf';
import { applyFinalLn } from './answerDirection';
import { residualStages } from './logitLens';
import { AnalysisError, Progress, type AnalysisOptions } from './progress';

export interface LensTopTokensResult {
  kind: 'logit-lens-top-k';
  k: number;
  /** Stage labels (as the logit lens: 'embed', 'L0 mid', 'L0 post', ...). */
  stages: string[];
  /** The prompt's tokens (positions). */
  tokens: string[];
  /** [S][T][k], most probable first: token text, id and probability. */
  top: { token: string; id: number; prob: number }[][][];
}

/** Rows (stage x position) unembedded per step: large enough to amortise reading U, small enough to report progress. */
const ROWS_PER_STEP = 128;

export async function lensTopTokens(
  model: HookedGPT2,
  ids: readonly number[],
  k: number,
  tokenStrings: (ids: number[]) => string[],
  opts: AnalysisOptions = {},
): Promise<LensTopTokensResult> {
  const V = model.config.vocabSize;
  if (!Number.isInteger(k) || k < 1 || k > V) throw new AnalysisError(`k must be an integer in 1..${V}, got ${k}`);
  if (ids.length === 0) throw new AnalysisError('the prompt is empty');
  const stages = residualStages(model);
  const perStep = Math.max(1, Math.floor(ROWS_PER_STEP / ids.length)); // stages per step
  const progress = new Progress(1 + Math.ceil(stages.length / perStep), opts);
  progress.check();
  const { cache } = model.runWithCache([[...ids]], stages.map((s) => s.name), { logits: 'none' });
  const values: number[] = [];
  const indices: number[] = [];
  // U^T materialised once: on wasm a [D, V] right operand multiplies several times faster than transposeB over [V, D].
  const unembedT = tf.tidy(() => model.weights.unembed.transpose()); // [D, V]
  try {
    await progress.step();
    for (let s0 = 0; s0 < stages.length; s0 += perStep) {
      progress.check();
      const [v, i] = tf.tidy(() => {
        const resid = tf.concat(stages.slice(s0, s0 + perStep).map((s) => cache.get(s.name)), 0); // [s, T, D]
        const normed = applyFinalLn(model, resid); // [s, T, D]
        const [S, T, D] = normed.shape;
        let logits = tf.matMul(normed.reshape([S * T, D]), unembedT); // [s*T, V]
        if (model.weights.unembedBias) logits = logits.add(model.weights.unembedBias); // [s*T, V]
        const top = tf.topk(logits, k); // [s*T, k]
        const probs = top.values.sub(tf.logSumExp(logits, 1, true)).exp(); // [s*T, k]: softmax of the top logits only
        return [probs, top.indices];
      });
      values.push(...(await v.data()));
      indices.push(...(await i.data()));
      tf.dispose([v, i]);
      await progress.step();
    }
  } finally {
    unembedT.dispose();
    cache.dispose();
  }
  const T = ids.length;
  const S = stages.length;
  const vocab = tokenStrings(Array.from(new Set(indices)));
  const text = new Map(Array.from(new Set(indices)).map((id, j) => [id, vocab[j] ?? String(id)]));
  const top = Array.from({ length: S }, (_, s) =>
    Array.from({ length: T }, (_, t) =>
      Array.from({ length: k }, (_, r) => {
        const at = (s * T + t) * k + r;
        return { token: text.get(indices[at])!, id: indices[at], prob: values[at] };
      }),
    ),
  );
  return { kind: 'logit-lens-top-k', k, stages: stages.map((s) => s.label), tokens: tokenStrings([...ids]), top };
}
