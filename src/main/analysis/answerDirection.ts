/**
 * The answer direction and the final LayerNorm, as the logit lens and direct logit attribution
 * read them: logit(correct) - logit(incorrect) = ln_final(x) . (U[c] - U[i]) + (ub[c] - ub[i]).
 */
import type { HookedGPT2 } from '../engine/model';
import { tf, type Tensor } from '../engine/tf';

/** U[correct] - U[incorrect] per row: [B, D]. */
export function answerDirections(model: HookedGPT2, correct: readonly number[], incorrect: readonly number[]): Tensor {
  return tf.tidy(() => {
    const U = model.weights.unembed; // [V, D]
    return tf.gather(U, tf.tensor1d([...correct], 'int32')).sub(tf.gather(U, tf.tensor1d([...incorrect], 'int32'))); // [B, D]
  });
}

/** ub[correct] - ub[incorrect] per row ([B]); zeros without an unembedding bias. */
export function unembedBiasDiff(model: HookedGPT2, correct: readonly number[], incorrect: readonly number[]): Tensor {
  return tf.tidy(() => {
    const ub = model.weights.unembedBias;
    if (!ub) return tf.zeros([correct.length]); // [B]
    return tf.gather(ub, tf.tensor1d([...correct], 'int32')).sub(tf.gather(ub, tf.tensor1d([...incorrect], 'int32'))); // [B]
  });
}

/**
 * ln_final applied to x [..., D]. `scale` ([..., 1]) freezes the LayerNorm scale (e.g. the one
 * the real run used); without it the scale is recomputed from x itself.
 */
export function applyFinalLn(model: HookedGPT2, x: Tensor, scale?: Tensor): Tensor {
  const c = model.config;
  if (c.normalization === 'none') return x;
  return tf.tidy(() => {
    const centred = x.sub(x.mean(-1, true)); // [..., D]
    const s = scale ?? centred.square().mean(-1, true).add(c.lnEps).sqrt(); // [..., 1]
    const normed = centred.div(s); // [..., D]
    const lnF = model.weights.lnF;
    return lnF ? normed.mul(lnF.w).add(lnF.b) : normed;
  });
}

/**
 * The linear part of "ln_final with a frozen scale, then project on the direction": a vector
 * e per row such that ln_final(x) . dir = x . e / scale + const. With LN or LNPre the mean is
 * removed, so e is centred; with 'none' e = dir and scale = 1. Returns e [B, D] (not divided by the scale).
 */
export function effectiveDirections(model: HookedGPT2, dirs: Tensor): Tensor {
  const c = model.config;
  if (c.normalization === 'none') return dirs.clone();
  return tf.tidy(() => {
    const weighted = model.weights.lnF ? dirs.mul(model.weights.lnF.w) : dirs; // [B, D]
    return weighted.sub(weighted.mean(-1, true)); // [B, D]
  });
}

/** The constant part: ln_final bias . dir + (ub[c] - ub[i]) per row, [B]. */
export function constantTerm(model: HookedGPT2, dirs: Tensor, ubDiff: Tensor): Tensor {
  return tf.tidy(() => {
    const lnF = model.weights.lnF;
    const fromLnBias = lnF ? dirs.mul(lnF.b).sum(-1) : tf.zeros([dirs.shape[0] as number]); // [B]
    return fromLnBias.add(ubDiff); // [B]
  });
}
