/**
 * Congruence (outline step 4): dot products between directions anywhere in the model — a
 * neuron's output (or input) weights, a head's OV output for a token, a token's embedding or
 * unembedding, a position embedding, the residual stream at a layer and position — and a
 * direction's top and bottom tokens under the unembedding (raw dot products with U rows).
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import { tf, type Tensor } from '../engine/tf';
import { headOutputs } from './copyScores';
import { AnalysisError } from './progress';

export type DirectionSpec =
  | { kind: 'neuron-out'; layer: number; neuron: number }
  | { kind: 'neuron-in'; layer: number; neuron: number }
  /** W_E[token] through ln1 of the layer (no bias) and W_V^h W_O^h (no biases), as copy scores do. */
  | { kind: 'head-ov'; layer: number; head: number; token: number }
  | { kind: 'embed'; token: number }
  | { kind: 'unembed'; token: number }
  | { kind: 'pos-embed'; position: number }
  /** The residual stream of a prompt at blocks.L.hook_resid_{pre|mid|post}, at one position. */
  | { kind: 'resid'; layer: number; stage: 'pre' | 'mid' | 'post'; tokens: number[]; position: number };

export function directionLabel(s: DirectionSpec): string {
  switch (s.kind) {
    case 'neuron-out': return `L${s.layer}N${s.neuron} out`;
    case 'neuron-in': return `L${s.layer}N${s.neuron} in`;
    case 'head-ov': return `L${s.layer}H${s.head} OV(tok ${s.token})`;
    case 'embed': return `embed(tok ${s.token})`;
    case 'unembed': return `unembed(tok ${s.token})`;
    case 'pos-embed': return `pos_embed(${s.position})`;
    case 'resid': return `resid_${s.stage} L${s.layer} @${s.position}`;
  }
}

function checkRange(what: string, v: number, n: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= n) throw new AnalysisError(`${what} ${v} is outside 0..${n - 1}`);
}

/** A direction as a [D] tensor (the caller disposes it). */
export function directionTensor(model: HookedGPT2, s: DirectionSpec): Tensor {
  const c = model.config;
  const needsMlp = s.kind === 'neuron-out' || s.kind === 'neuron-in';
  if ('layer' in s) checkRange('layer', s.layer, c.nLayer);
  if (needsMlp && c.attnOnly) throw new AnalysisError('the model is attention-only: it has no neurons');
  if ('token' in s) checkRange('token id', s.token, c.vocabSize);
  return tf.tidy(() => {
    const w = 'layer' in s ? model.weights.blocks[s.layer] : undefined;
    switch (s.kind) {
      case 'neuron-out':
        checkRange('neuron', s.neuron, c.dMlp);
        return tf.slice(w!.wOut!, [s.neuron, 0], [1, c.dModel]).reshape([c.dModel]); // [D]
      case 'neuron-in':
        checkRange('neuron', s.neuron, c.dMlp);
        return tf.slice(w!.wIn!, [0, s.neuron], [c.dModel, 1]).reshape([c.dModel]); // [D]
      case 'head-ov': {
        checkRange('head', s.head, c.nHead);
        const e = tf.slice(model.weights.wte, [s.token, 0], [1, c.dModel]); // [1, D]
        return tf.slice(headOutputs(model, e, s.layer), [s.head, 0, 0], [1, 1, c.dModel]).reshape([c.dModel]); // [D]
      }
      case 'embed':
        return tf.slice(model.weights.wte, [s.token, 0], [1, c.dModel]).reshape([c.dModel]); // [D]
      case 'unembed':
        return tf.slice(model.weights.unembed, [s.token, 0], [1, c.dModel]).reshape([c.dModel]); // [D]
      case 'pos-embed':
        checkRange('position', s.position, c.nCtx);
        return tf.slice(model.weights.wpe, [s.position, 0], [1, c.dModel]).reshape([c.dModel]); // [D]
      case 'resid': {
        checkRange('position', s.position, s.tokens.length);
        if (s.stage === 'mid' && c.attnOnly) throw new AnalysisError('attention-only blocks have no resid_mid');
        const name = blockHook(s.layer, `hook_resid_${s.stage}`);
        const { cache } = model.runWithCache([s.tokens], [name], { logits: 'none', stopAtLayer: s.layer + 1 });
        const x = tf.slice(cache.get(name), [0, s.position, 0], [1, 1, c.dModel]).reshape([c.dModel]); // [D]
        const kept = x.clone();
        cache.dispose();
        return kept;
      }
    }
  });
}

export interface CongruenceResult {
  kind: 'congruence';
  rows: string[];
  cols: string[];
  /** [R, C] row-major. */
  shape: [number, number];
  dot: number[];
  cosine: number[];
}

/** Dot products and cosines of every row direction with every column direction. */
export async function congruence(model: HookedGPT2, rows: readonly DirectionSpec[], cols: readonly DirectionSpec[]): Promise<CongruenceResult> {
  if (rows.length === 0 || cols.length === 0) throw new AnalysisError('congruence needs at least one direction on each side');
  const [dot, cos] = tf.tidy((): [Tensor, Tensor] => {
    const a = tf.stack(rows.map((s) => directionTensor(model, s))); // [R, D]
    const b = tf.stack(cols.map((s) => directionTensor(model, s))); // [C, D]
    const d = tf.matMul(a, b, false, true); // [R, C]
    const norms = tf.outerProduct(a.norm('euclidean', 1) as tf.Tensor1D, b.norm('euclidean', 1) as tf.Tensor1D); // [R, C]
    return [d, d.div(norms)];
  });
  const out = { dot: Array.from(await dot.data()), cosine: Array.from(await cos.data()) };
  tf.dispose([dot, cos]);
  return { kind: 'congruence', rows: rows.map(directionLabel), cols: cols.map(directionLabel), shape: [rows.length, cols.length], ...out };
}

export interface RankedEntry {
  id: number;
  label: string;
  value: number;
}

export interface VocabProjectionResult {
  kind: 'vocab-projection';
  direction: string;
  top: RankedEntry[];
  bottom: RankedEntry[];
}

/** A direction's dot product with every token's unembedding: the k highest and lowest tokens. */
export async function vocabProjection(model: HookedGPT2, spec: DirectionSpec, k: number, tokenLabel: (id: number) => string = String): Promise<VocabProjectionResult> {
  const values = tf.tidy(() => tf.matMul(model.weights.unembed, directionTensor(model, spec).reshape([model.config.dModel, 1])).reshape([-1])); // [V]
  const data = Array.from(await values.data());
  values.dispose();
  const { top, bottom } = extremes(data, k, tokenLabel);
  return { kind: 'vocab-projection', direction: directionLabel(spec), top, bottom };
}

export interface NeuronRankingResult {
  kind: 'neuron-ranking';
  layer: number;
  direction: string;
  top: RankedEntry[];
  bottom: RankedEntry[];
}

/** The neurons of a layer whose output weights point most along (and against) a direction. */
export async function rankNeurons(model: HookedGPT2, layer: number, spec: DirectionSpec, k: number): Promise<NeuronRankingResult> {
  checkRange('layer', layer, model.config.nLayer);
  if (model.config.attnOnly) throw new AnalysisError('the model is attention-only: it has no neurons');
  const values = tf.tidy(() => tf.matMul(model.weights.blocks[layer].wOut!, directionTensor(model, spec).reshape([model.config.dModel, 1])).reshape([-1])); // [M]
  const data = Array.from(await values.data());
  values.dispose();
  const { top, bottom } = extremes(data, k, (n) => `L${layer}N${n}`);
  return { kind: 'neuron-ranking', layer, direction: directionLabel(spec), top, bottom };
}

function extremes(data: number[], k: number, label: (id: number) => string): { top: RankedEntry[]; bottom: RankedEntry[] } {
  const order = data.map((_, i) => i).sort((a, b) => data[b] - data[a]);
  const n = Math.min(k, data.length);
  const entry = (id: number): RankedEntry => ({ id, label: label(id), value: data[id] });
  return { top: order.slice(0, n).map(entry), bottom: order.slice(-n).reverse().map(entry) };
}
