/** Next-token prediction: the top tokens at the last position with logits and probabilities. */
import { tf } from '../engine/tf';
import type { ModelSession } from './modelSession';
import { encodePrompt } from './prompt';

export interface Prediction {
  rank: number;
  id: number;
  token: string;
  logit: number;
  prob: number;
}

export async function predictNext(session: ModelSession, prompt: string, topK: number): Promise<{ tokens: string[]; predictions: Prediction[] }> {
  if (!Number.isInteger(topK) || topK < 1) throw new Error(`top-k must be a positive integer, got ${topK}`);
  const ids = encodePrompt(session.tokenizer, session.config, prompt);
  const k = Math.min(topK, session.config.vocabSize);
  const [values, indices, logProbs] = tf.tidy(() => {
    const logits = session.model.forward([ids], 'last'); // [1, V]
    const top = tf.topk(logits, k); // [1, k]
    return [top.values, top.indices, tf.logSoftmax(logits).gather(top.indices, 1, 1)]; // [1, k] each
  });
  const [v, i, lp] = await Promise.all([values.data(), indices.data(), logProbs.data()]);
  tf.dispose([values, indices, logProbs]);
  const predictions = Array.from(i, (id, r) => ({
    rank: r + 1,
    id,
    token: session.tokenizer.tokenStrings([id])[0] ?? String(id),
    logit: v[r],
    prob: Math.exp(lp[r]),
  }));
  return { tokens: session.tokenizer.tokenStrings(ids), predictions };
}
