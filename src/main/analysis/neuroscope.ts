/**
 * Neuroscope (outline step 4a): the dataset positions where one MLP neuron (blocks.L.mlp.hook_post)
 * fires most, each with the activations over its whole prompt. Runs stop after block L.
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import { tf } from '../engine/tf';
import { AnalysisError, Progress, type AnalysisOptions } from './progress';
import { groupByLength } from './promptBatch';

export interface NeuroscopeEntry {
  prompt: number;
  position: number;
  activation: number;
  tokens: string[];
  /** The neuron's activation at every position of the prompt. */
  activations: number[];
}

export interface NeuroscopeResult {
  kind: 'neuroscope';
  layer: number;
  neuron: number;
  top: NeuroscopeEntry[];
  /** Over every position of every prompt. */
  max: number;
  mean: number;
  positions: number;
}

export async function neuroscope(
  model: HookedGPT2,
  prompts: readonly (readonly number[])[],
  layer: number,
  neuron: number,
  opts: AnalysisOptions & { k?: number; tokenLabels?: (ids: number[]) => string[]; rowsPerRun?: number } = {},
): Promise<NeuroscopeResult> {
  const c = model.config;
  if (c.attnOnly) throw new AnalysisError('the model is attention-only: it has no neurons');
  if (!Number.isInteger(layer) || layer < 0 || layer >= c.nLayer) throw new AnalysisError(`layer ${layer} is outside 0..${c.nLayer - 1}`);
  if (!Number.isInteger(neuron) || neuron < 0 || neuron >= c.dMlp) throw new AnalysisError(`neuron ${neuron} is outside 0..${c.dMlp - 1}`);
  if (prompts.length === 0) throw new AnalysisError('the neuroscope needs at least one prompt');
  const k = opts.k ?? 10;
  const rowsPerRun = opts.rowsPerRun ?? 64;
  const name = blockHook(layer, 'mlp.hook_post');
  const acts: number[][] = new Array(prompts.length);
  const groups = groupByLength(prompts);
  const chunks = groups.flatMap((g) => {
    const out: { rows: number[]; tokens: number[][] }[] = [];
    for (let i = 0; i < g.rows.length; i += rowsPerRun) out.push({ rows: g.rows.slice(i, i + rowsPerRun), tokens: g.tokens.slice(i, i + rowsPerRun) });
    return out;
  });
  const progress = new Progress(chunks.length, opts);
  for (const chunk of chunks) {
    progress.check();
    const { cache, resid } = model.runWithCache(chunk.tokens, [name], { stopAtLayer: layer + 1 });
    resid?.dispose();
    const column = tf.tidy(() => {
      const post = cache.get(name); // [B, T, M]
      const [B, T] = post.shape as [number, number, number];
      return tf.slice(post, [0, 0, neuron], [B, T, 1]).reshape([B, T]); // [B, T]
    });
    cache.dispose();
    const rows = (await column.array()) as number[][];
    column.dispose();
    chunk.rows.forEach((r, i) => (acts[r] = rows[i]));
    await progress.step();
  }
  const all: { prompt: number; position: number; activation: number }[] = [];
  acts.forEach((row, p) => row.forEach((a, t) => all.push({ prompt: p, position: t, activation: a })));
  all.sort((a, b) => b.activation - a.activation);
  const label = opts.tokenLabels ?? ((ids: number[]) => ids.map(String));
  return {
    kind: 'neuroscope',
    layer,
    neuron,
    top: all.slice(0, k).map((e) => ({ ...e, tokens: label([...prompts[e.prompt]]), activations: acts[e.prompt] })),
    max: all[0].activation,
    mean: all.reduce((s, e) => s + e.activation, 0) / all.length,
    positions: all.length,
  };
}
