/**
 * The dataset metric of k edge sets at once: k stacked copies of a B-row group's last-position
 * logits [k*B, V] -> [k], in a handful of operations whatever k (metrics.ts's perCopy runs the
 * metric once per copy). Its constants are made once per prompt group; dispose() frees them.
 */
import { answerSigns, type MetricKind } from '../analysis/metrics';
import type { PromptGroup } from '../analysis/promptBatch';
import { tf, type Tensor } from '../engine/tf';

export interface CopyMetric {
  (logits: Tensor, k: number): Tensor; // [k*B, V] -> [k]
  dispose(): void;
}

export function copyMetric(kind: MetricKind, group: Pick<PromptGroup, 'correct' | 'incorrect'>, cleanLastLogits: Tensor): CopyMetric {
  const B = group.correct.length;
  const V = cleanLastLogits.shape[1] as number;
  if (kind === 'logit-diff') {
    const sign = answerSigns(group.correct, group.incorrect, V); // [B, V]
    const f = ((logits: Tensor, k: number) => tf.tidy(() => logits.reshape([k, B, V]).mul(sign).sum(2).mean(1))) as CopyMetric; // [k]
    f.dispose = () => sign.dispose();
    return f;
  }
  // Mean KL(clean || run) over the rows.
  const p = tf.tidy(() => tf.logSoftmax(cleanLastLogits)); // [B, V]
  const probs = tf.tidy(() => p.exp()); // [B, V]
  const f = ((logits: Tensor, k: number) =>
    tf.tidy(() => {
      const q = tf.logSoftmax(logits.reshape([k * B, V])).reshape([k, B, V]); // [k, B, V]
      return probs.mul(p.sub(q)).sum(2).mean(1); // [k]
    })) as CopyMetric;
  f.dispose = () => tf.dispose([p, probs]);
  return f;
}
