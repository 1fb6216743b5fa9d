/** The training loss: next-token cross-entropy, weighted per position (padding weighs 0). */
import type { HookedGPT2 } from '../engine/model';
import { tf } from '../engine/tf';

/**
 * sum(w * -log p(target)) / sum(w) over all positions. logits [B, T, V]; targets and
 * weights are flat [B * T].
 */
export function weightedCrossEntropy(logits: tf.Tensor, targets: Int32Array, weights: Float32Array): tf.Scalar {
  const [B, T, V] = logits.shape as [number, number, number];
  if (targets.length !== B * T || weights.length !== B * T) {
    throw new Error(`targets/weights hold ${targets.length}/${weights.length} values, expected ${B * T}`);
  }
  let total = 0;
  for (const w of weights) total += w;
  if (!(total > 0)) throw new Error('the batch has no weighted target');
  const logProbs = tf.logSoftmax(logits.reshape([B * T, V])); // [B*T, V]
  const picked = logProbs.mul(tf.oneHot(tf.tensor1d(targets, 'int32'), V)).sum(1); // [B*T]
  return picked.mul(tf.tensor1d(weights)).sum().div(-total) as tf.Scalar; // []
}

/**
 * The weighted loss of a batch (or a share of one) and the gradient of each variable, in the order
 * given; the caller owns the gradients. The trainer and data-parallel workers both use it.
 */
export async function lossAndGradients(model: HookedGPT2, variables: tf.Variable[], batch: { inputs: number[][]; targets: Int32Array; weights: Float32Array }): Promise<{ loss: number; grads: tf.Tensor[] }> {
  const { value, grads } = tf.variableGrads(() => weightedCrossEntropy(model.forward(batch.inputs, 'all'), batch.targets, batch.weights), variables); // logits [B, T, V]
  const loss = (await value.data())[0];
  value.dispose();
  return { loss, grads: variables.map((v) => grads[v.name]) };
}
