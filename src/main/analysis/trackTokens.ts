/**
 * Token tracking (outline step 7): the dot product of chosen token directions (unembedding or
 * embedding rows) with the residual stream at every layer and position, to see how a token's
 * information travels to the final position. The residual is a sum of the embeddings and every
 * block's outputs, so the position embedding's direct term W_pos[p] . dir is separable: it is
 * reported on its own and subtracted in `withoutPosition`.
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import { tf } from '../engine/tf';
import { AnalysisError, Progress, type AnalysisOptions } from './progress';
import { groupByLength } from './promptBatch';

export type TrackDirection = 'unembed' | 'embed';

export interface TrackGroup {
  length: number;
  rows: number[];
  /** Labels of the group's first prompt. */
  positions: string[];
  /** [S, T, K] mean over the group's prompts: residual . direction. */
  shape: [number, number, number];
  total: number[];
  /** [T, K]: W_pos[p] . direction (the same at every stage). */
  positionPart: number[];
  /** [S, T, K]: total - positionPart. */
  withoutPosition: number[];
}

export interface TrackTokensResult {
  kind: 'track-tokens';
  direction: TrackDirection;
  tokens: number[];
  stages: string[];
  groups: TrackGroup[];
}

export async function trackTokens(
  model: HookedGPT2,
  prompts: readonly (readonly number[])[],
  tokens: readonly number[],
  opts: AnalysisOptions & { direction?: TrackDirection; positionLabels?: (ids: number[]) => string[] } = {},
): Promise<TrackTokensResult> {
  const c = model.config;
  if (tokens.length === 0) throw new AnalysisError('choose at least one token to track');
  for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= c.vocabSize) throw new AnalysisError(`token id ${t} is outside the vocabulary (0..${c.vocabSize - 1})`);
  if (prompts.length === 0) throw new AnalysisError('token tracking needs at least one prompt');
  const direction = opts.direction ?? 'unembed';
  const names = [...Array.from({ length: c.nLayer }, (_, l) => blockHook(l, 'hook_resid_pre')), blockHook(c.nLayer - 1, 'hook_resid_post')];
  const stages = [...Array.from({ length: c.nLayer }, (_, l) => `resid_pre L${l}`), `resid_post L${c.nLayer - 1}`];
  const S = names.length;
  const K = tokens.length;
  const groups = groupByLength(prompts);
  const progress = new Progress(groups.length, opts);
  const out: TrackGroup[] = [];
  for (const g of groups) {
    progress.check();
    const T = g.length;
    const { cache } = model.runWithCache(g.tokens, names, { logits: 'none' });
    const [total, posPart] = tf.tidy(() => {
      const dirs = tf.gather(direction === 'unembed' ? model.weights.unembed : model.weights.wte, tf.tensor1d([...tokens], 'int32')); // [K, D]
      const resid = tf.stack(names.map((n) => cache.get(n)), 1); // [B, S, T, D]
      const dots = tf.matMul(resid.reshape([-1, c.dModel]), dirs, false, true).reshape([g.rows.length, S, T, K]).mean(0); // [S, T, K]
      const pos = tf.matMul(tf.slice(model.weights.wpe, [0, 0], [T, c.dModel]), dirs, false, true); // [T, K]
      return [dots, pos];
    });
    cache.dispose();
    const totalData = Array.from(await total.data());
    const posData = Array.from(await posPart.data());
    tf.dispose([total, posPart]);
    out.push({
      length: T,
      rows: g.rows,
      positions: opts.positionLabels ? opts.positionLabels(g.tokens[0]) : Array.from({ length: T }, (_, t) => String(t)),
      shape: [S, T, K],
      total: totalData,
      positionPart: posData,
      withoutPosition: totalData.map((v, i) => v - posData[i % (T * K)]),
    });
    await progress.step();
  }
  return { kind: 'track-tokens', direction, tokens: [...tokens], stages, groups: out };
}
