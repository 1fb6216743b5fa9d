/**
 * Metrics over last-position logits. A Metric maps [B, V] logits to a scalar tensor and is made
 * of differentiable ops only (oneHot masks, no gather), so attribution patching can take its
 * gradient with tf.grad on every backend.
 */
import { tf, type Tensor } from '../engine/tf';
import type { PromptGroup } from './promptBatch';

/** Last-position logits [B, V] -> scalar. */
export type Metric = (lastLogits: Tensor) => Tensor;

export type MetricKind = 'logit-diff' | 'kl';

export const METRIC_KINDS: readonly MetricKind[] = ['logit-diff', 'kl'];

/** logit(correct) - logit(incorrect) per row: [B, V] -> [B]. */
export function logitDiffPerPrompt(lastLogits: Tensor, correct: readonly number[], incorrect: readonly number[]): Tensor {
  return tf.tidy(() => {
    const V = lastLogits.shape[1] as number;
    const sign = answerSigns(correct, incorrect, V); // [B, V]: +1 at correct, -1 at incorrect
    return lastLogits.mul(sign).sum(1); // [B]
  });
}

/** +1 at each row's correct token, -1 at its incorrect token: [B, V]. */
export function answerSigns(correct: readonly number[], incorrect: readonly number[], V: number): Tensor {
  if (correct.length !== incorrect.length) throw new Error(`${correct.length} correct answers but ${incorrect.length} incorrect ones`);
  return tf.tidy(() => {
    const c = tf.oneHot(tf.tensor1d([...correct], 'int32'), V).toFloat(); // [B, V]
    const i = tf.oneHot(tf.tensor1d([...incorrect], 'int32'), V).toFloat(); // [B, V]
    return c.sub(i); // [B, V]
  });
}

/** Mean logit difference over the rows. */
export function logitDiffMetric(correct: readonly number[], incorrect: readonly number[]): Metric {
  return (lastLogits) => tf.tidy(() => logitDiffPerPrompt(lastLogits, correct, incorrect).mean());
}

/**
 * Mean KL(clean || run) over the rows, from the clean run's last-position logits [B, V]
 * (0 on the clean run). The clean logits are read when the metric runs; keep them alive.
 */
export function klToCleanMetric(cleanLastLogits: Tensor): Metric {
  return (lastLogits) =>
    tf.tidy(() => {
      const p = tf.logSoftmax(cleanLastLogits); // [B, V]
      const q = tf.logSoftmax(lastLogits); // [B, V]
      return p.exp().mul(p.sub(q)).sum(1).mean();
    });
}

/** The metric of a kind for one prompt group; `cleanLastLogits` [B, V] is needed for 'kl'. */
export function metricFor(kind: MetricKind, group: Pick<PromptGroup, 'correct' | 'incorrect'>, cleanLastLogits?: Tensor): Metric {
  if (kind === 'logit-diff') return logitDiffMetric(group.correct, group.incorrect);
  if (!cleanLastLogits) throw new Error('the KL metric needs the clean run\'s logits');
  return klToCleanMetric(cleanLastLogits);
}

/**
 * A metric applied to `copies` stacked copies of a B-row batch ([copies*B, V], copy-major):
 * one value per copy, [copies].
 */
export function perCopy(metric: Metric, lastLogits: Tensor, copies: number): Tensor {
  return tf.tidy(() => {
    if ((lastLogits.shape[0] as number) % copies !== 0) throw new Error(`${lastLogits.shape[0]} rows do not split into ${copies} copies`);
    const parts = tf.split(lastLogits, copies, 0); // copies x [B, V]
    return tf.stack(parts.map((p) => metric(p))); // [copies]
  });
}

/**
 * The normalised patching metric: 0 is the corrupted run, 1 the clean run,
 * (value - corrupted) / (clean - corrupted). NaN when the two runs do not differ.
 */
export function normalisedMetric(value: number, clean: number, corrupted: number): number {
  const span = clean - corrupted;
  return span === 0 ? Number.NaN : (value - corrupted) / span;
}
