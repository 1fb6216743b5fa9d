/**
 * ROME's keys: the MLP's hidden activation (blocks.L.mlp.hook_post, the input of c_proj) at a
 * marked position, and the key second moment C = E[k k^T] over every position of a corpus.
 */
import type { HookedGPT2 } from '../../engine/model';
import { blockHook } from '../../engine/hookNames';
import { tf } from '../../engine/tf';
import { Progress, type AnalysisOptions } from '../../analysis/progress';
import { groupByLength } from '../../analysis/promptBatch';
import { EditError } from '../delta';
import { checkRows, groupRows, positionMaskData, type MarkedRow } from './rows';

export function checkMlpLayer(model: HookedGPT2, layer: number): void {
  const c = model.config;
  if (c.attnOnly) throw new EditError('the model is attention-only: it has no MLP to edit');
  if (!Number.isInteger(layer) || layer < 0 || layer >= c.nLayer) throw new EditError(`layer ${layer} is outside 0..${c.nLayer - 1}`);
}

/**
 * The activation `suffix` of block `layer` at each row's marked position, one Float64Array per row
 * (runs only blocks 0..layer).
 */
export async function activationsAt(model: HookedGPT2, rows: readonly MarkedRow[], layer: number, suffix: string): Promise<Float64Array[]> {
  checkRows(rows, model.config, 'prompt');
  const name = blockHook(layer, suffix);
  const out: Float64Array[] = new Array(rows.length);
  for (const g of groupRows(rows)) {
    const picked = tf.tidy(() => {
      const { cache } = model.runWithCache(g.tokens, name, { stopAtLayer: layer + 1 });
      const [B, T] = cache.get(name).shape as [number, number];
      const act = cache.get(name).reshape([B, T, -1]); // [B, T, X] (per-head points flattened: X = H*dh)
      const X = act.shape[2] as number;
      const mask = tf.tensor3d(positionMaskData(g.positions, T), [B, 1, T]); // [B, 1, T]
      const rowsAt = tf.matMul(mask, act).reshape([B, X]); // [B, X]
      cache.dispose();
      return rowsAt;
    });
    const data = await picked.data();
    picked.dispose();
    const X = data.length / g.rows.length;
    g.rows.forEach((r, b) => {
      out[r] = Float64Array.from(data.subarray(b * X, (b + 1) * X));
    });
  }
  return out;
}

/** The mean of ROME's key k (mlp.hook_post) at the marked positions: k* [M]. */
export async function meanKey(model: HookedGPT2, rows: readonly MarkedRow[], layer: number): Promise<Float64Array> {
  checkMlpLayer(model, layer);
  const keys = await activationsAt(model, rows, layer, 'mlp.hook_post');
  const mean = new Float64Array(keys[0].length);
  for (const k of keys) for (let i = 0; i < k.length; i++) mean[i] += k[i] / keys.length;
  return mean;
}

export interface KeyMoment {
  layer: number;
  /** Second moment E[k k^T], row-major [M, M]. */
  c: Float64Array;
  size: number;
  /** Number of key vectors (token positions) averaged. */
  count: number;
}

/**
 * C = (1/N) sum_n k_n k_n^T over every position of every corpus row (BOS positions included, as
 * the model sees them). Rows are batched by length, `batchRows` at a time.
 */
export async function keySecondMoment(model: HookedGPT2, corpus: readonly (readonly number[])[], layer: number, opts: AnalysisOptions & { batchRows?: number } = {}): Promise<KeyMoment> {
  checkMlpLayer(model, layer);
  if (corpus.length === 0) throw new EditError('the key corpus has no prompts');
  const M = model.config.dMlp;
  const name = blockHook(layer, 'mlp.hook_post');
  const batchRows = opts.batchRows ?? 64;
  const chunks = groupByLength(corpus).flatMap((g) => Array.from({ length: Math.ceil(g.tokens.length / batchRows) }, (_, i) => g.tokens.slice(i * batchRows, (i + 1) * batchRows)));
  const progress = new Progress(chunks.length, opts);
  const c = new Float64Array(M * M);
  let count = 0;
  for (const tokens of chunks) {
    progress.check();
    const gram = tf.tidy(() => {
      const { cache } = model.runWithCache(tokens, name, { stopAtLayer: layer + 1 });
      const k = cache.get(name).reshape([-1, M]); // [N, M]
      cache.dispose();
      return tf.matMul(k, k, true, false); // [M, M]
    });
    const data = await gram.data();
    gram.dispose();
    for (let i = 0; i < data.length; i++) c[i] += data[i];
    count += tokens.length * tokens[0].length;
    await progress.step();
  }
  for (let i = 0; i < c.length; i++) c[i] /= count;
  return { layer, c, size: M, count };
}
