/**
 * Correlation plots (outline step 3b, IOI paper figure 3): for one head, per prompt and per
 * answer token, the projection of the head's output at the last position on that token's
 * unembedding U[t] (raw dot product, no LayerNorm) against either the token's final logit or
 * the head's attention from the last position to the token (summed over its occurrences).
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import { tf } from '../engine/tf';
import { AnalysisError, Progress, type AnalysisOptions } from './progress';
import type { PromptBatch } from './promptBatch';
import type { PromptSide } from './logitLens';
import { lastPosition } from './tensorUtil';

export type CorrelationY = 'logit' | 'attention';

export interface CorrelationPoint {
  row: number;
  answer: 'correct' | 'incorrect';
  token: number;
  /** head output at the last position . U[token] */
  projection: number;
  y: number;
}

export interface CorrelationResult {
  kind: 'correlation';
  layer: number;
  head: number;
  y: CorrelationY;
  side: PromptSide;
  points: CorrelationPoint[];
  /** Pearson correlation of projection and y, per answer kind and over all points. */
  pearson: { correct: number; incorrect: number; all: number };
}

export async function headCorrelation(
  model: HookedGPT2,
  batch: PromptBatch,
  layer: number,
  head: number,
  opts: AnalysisOptions & { y?: CorrelationY; side?: PromptSide } = {},
): Promise<CorrelationResult> {
  const c = model.config;
  if (!Number.isInteger(layer) || layer < 0 || layer >= c.nLayer) throw new AnalysisError(`layer ${layer} is outside 0..${c.nLayer - 1}`);
  if (!Number.isInteger(head) || head < 0 || head >= c.nHead) throw new AnalysisError(`head ${head} is outside 0..${c.nHead - 1}`);
  const y = opts.y ?? 'attention';
  const side = opts.side ?? 'clean';
  const points: CorrelationPoint[] = [];
  const progress = new Progress(batch.groups.length, opts);
  const zName = blockHook(layer, 'attn.hook_z');
  const patternName = blockHook(layer, 'attn.hook_pattern');
  for (const g of batch.groups) {
    progress.check();
    const tokens = g[side];
    const { logits, cache } = model.runWithCache(tokens, [zName, patternName], { logits: y === 'logit' ? 'last' : 'none' });
    let out: { proj: number[][]; logits: number[][] | undefined; attn: number[][] };
    try {
      const [proj, attn] = tf.tidy(() => {
        const B = g.rows.length;
        const T = g.length;
        const z = lastPosition(cache.get(zName)); // [B, H, dh]
        const zh = tf.slice(z, [0, head, 0], [B, 1, c.dHead]).reshape([B, c.dHead]); // [B, dh]
        const wOh = tf.slice(model.weights.blocks[layer].wO, [head * c.dHead, 0], [c.dHead, c.dModel]); // [dh, D]
        const result = tf.matMul(zh, wOh); // [B, D]
        const answers = tf.stack([tf.tensor1d(g.correct, 'int32'), tf.tensor1d(g.incorrect, 'int32')], 1); // [B, 2]
        const U = tf.gather(model.weights.unembed, answers); // [B, 2, D]
        const projection = U.mul(result.expandDims(1)).sum(-1); // [B, 2]
        const pattern = cache.get(patternName); // [B, H, Tq, Tk]
        const lastRow = tf.slice(pattern, [0, head, T - 1, 0], [B, 1, 1, T]).reshape([B, T]); // [B, T]
        return [projection, lastRow];
      });
      out = { proj: (await proj.array()) as number[][], attn: (await attn.array()) as number[][], logits: logits ? ((await logits.array()) as number[][]) : undefined };
      tf.dispose([proj, attn]);
    } finally {
      logits?.dispose();
      cache.dispose();
    }
    g.rows.forEach((row, b) => {
      (['correct', 'incorrect'] as const).forEach((answer, a) => {
        const token = answer === 'correct' ? g.correct[b] : g.incorrect[b];
        const yValue = y === 'logit' ? out.logits![b][token] : tokens[b].reduce((s, id, p) => (id === token ? s + out.attn[b][p] : s), 0);
        points.push({ row, answer, token, projection: out.proj[b][a], y: yValue });
      });
    });
    await progress.step();
  }
  points.sort((a, b) => a.row - b.row || (a.answer === 'correct' ? -1 : 1));
  const of = (pred: (p: CorrelationPoint) => boolean) => {
    const ps = points.filter(pred);
    return pearson(ps.map((p) => p.projection), ps.map((p) => p.y));
  };
  return {
    kind: 'correlation',
    layer,
    head,
    y,
    side,
    points,
    pearson: { correct: of((p) => p.answer === 'correct'), incorrect: of((p) => p.answer === 'incorrect'), all: of(() => true) },
  };
}

/** Pearson correlation; NaN with fewer than two points or no variance. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}
