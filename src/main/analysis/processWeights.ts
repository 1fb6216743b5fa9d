/**
 * Weight processing as in TransformerLens (from_pretrained's defaults), on a ParamDict: returns a
 * new config and ParamDict; the input is never modified (penzai-style edits return a copy).
 * - foldLn: each LayerNorm's weight and bias move into the weights that read its output
 *   (ln_1 -> c_attn, ln_2 -> mlp.c_fc, ln_f -> unembedding + a new unembedding bias); the
 *   reading weights are then centred over their input (the normalised input has zero mean);
 *   normalization becomes 'LNPre' (centre and scale only).
 * - centerWritingWeights: every vector written into the residual stream (embeddings, W_O, b_O,
 *   W_out, b_out) has its mean over d_model removed; every reader starts with a LayerNorm that
 *   removes the mean, so nothing downstream changes.
 * - centerUnembed: the mean over the vocabulary of the unembedding is removed (adds the same
 *   number to every logit of a position: log-probabilities are unchanged).
 * - foldValueBiases: b_V moves into b_O (b_O += b_V W_O): attention rows sum to one, so each
 *   head's output gains exactly b_V^h W_O^h either way.
 * A tied unembedding is untied (lm_head.weight written) whenever it would change.
 */
import type { ModelConfig } from '../engine/config';
import type { ParamDict, ParamTensor } from '../engine/params';
import { AnalysisError } from './progress';

export interface ProcessOptions {
  foldLn?: boolean;
  centerWritingWeights?: boolean;
  centerUnembed?: boolean;
  foldValueBiases?: boolean;
}

export interface ProcessedModel {
  config: ModelConfig;
  params: ParamDict;
  /** The steps applied, in order. */
  applied: string[];
}

export function processWeights(config: ModelConfig, params: ParamDict, opts: ProcessOptions = {}): ProcessedModel {
  const want = { foldLn: true, centerWritingWeights: true, centerUnembed: true, foldValueBiases: true, ...opts };
  const p: ParamDict = new Map([...params].map(([k, v]) => [k, { shape: [...v.shape], data: Float32Array.from(v.data) }]));
  const cfg: ModelConfig = { ...config };
  const applied: string[] = [];
  const get = (name: string): ParamTensor => {
    const t = p.get(name);
    if (!t) throw new AnalysisError(`weight processing: parameter ${name} is missing`);
    return t;
  };
  const D = cfg.dModel;
  const untie = (): void => {
    if (!cfg.tiedEmbeddings) return;
    const wte = get('wte.weight');
    p.set('lm_head.weight', { shape: [...wte.shape], data: Float32Array.from(wte.data) });
    cfg.tiedEmbeddings = false;
  };

  if (want.foldLn && cfg.normalization === 'LN') {
    for (let l = 0; l < cfg.nLayer; l++) {
      foldInto(get(`h.${l}.ln_1.weight`), get(`h.${l}.ln_1.bias`), get(`h.${l}.attn.c_attn.weight`), get(`h.${l}.attn.c_attn.bias`));
      p.delete(`h.${l}.ln_1.weight`);
      p.delete(`h.${l}.ln_1.bias`);
      if (!cfg.attnOnly) {
        foldInto(get(`h.${l}.ln_2.weight`), get(`h.${l}.ln_2.bias`), get(`h.${l}.mlp.c_fc.weight`), get(`h.${l}.mlp.c_fc.bias`));
        p.delete(`h.${l}.ln_2.weight`);
        p.delete(`h.${l}.ln_2.bias`);
      }
    }
    untie();
    const U = get('lm_head.weight'); // [V, D]
    const w = get('ln_f.weight').data;
    const b = get('ln_f.bias').data;
    const V = cfg.vocabSize;
    const ub = p.get('lm_head.bias')?.data ?? new Float32Array(V);
    const newBias = new Float32Array(V);
    for (let v = 0; v < V; v++) {
      let bias = ub[v];
      let rowMean = 0;
      for (let d = 0; d < D; d++) {
        bias += b[d] * U.data[v * D + d];
        U.data[v * D + d] *= w[d];
        rowMean += U.data[v * D + d];
      }
      rowMean /= D;
      for (let d = 0; d < D; d++) U.data[v * D + d] -= rowMean;
      newBias[v] = bias;
    }
    p.set('lm_head.bias', { shape: [V], data: newBias });
    p.delete('ln_f.weight');
    p.delete('ln_f.bias');
    cfg.unembedBias = true;
    cfg.normalization = 'LNPre';
    applied.push('foldLn');
  }

  if (want.centerWritingWeights) {
    if (cfg.normalization === 'none') throw new AnalysisError('centring writing weights needs a LayerNorm before every reader of the residual stream; this model has none');
    untie();
    centreRows(get('wte.weight'), D);
    centreRows(get('wpe.weight'), D);
    for (let l = 0; l < cfg.nLayer; l++) {
      centreRows(get(`h.${l}.attn.c_proj.weight`), D);
      centreRows(get(`h.${l}.attn.c_proj.bias`), D);
      if (!cfg.attnOnly) {
        centreRows(get(`h.${l}.mlp.c_proj.weight`), D);
        centreRows(get(`h.${l}.mlp.c_proj.bias`), D);
      }
    }
    applied.push('centerWritingWeights');
  }

  if (want.centerUnembed) {
    untie();
    const U = get('lm_head.weight');
    const V = cfg.vocabSize;
    for (let d = 0; d < D; d++) {
      let m = 0;
      for (let v = 0; v < V; v++) m += U.data[v * D + d];
      m /= V;
      for (let v = 0; v < V; v++) U.data[v * D + d] -= m;
    }
    const ub = p.get('lm_head.bias');
    if (ub) centreRows(ub, V);
    applied.push('centerUnembed');
  }

  if (want.foldValueBiases) {
    for (let l = 0; l < cfg.nLayer; l++) {
      const bias = get(`h.${l}.attn.c_attn.bias`).data; // [3D]: q | k | v
      const wO = get(`h.${l}.attn.c_proj.weight`).data; // [H*dh, D]
      const bO = get(`h.${l}.attn.c_proj.bias`).data; // [D]
      for (let i = 0; i < D; i++) {
        const bv = bias[2 * D + i];
        if (bv === 0) continue;
        for (let d = 0; d < D; d++) bO[d] += bv * wO[i * D + d];
        bias[2 * D + i] = 0;
      }
    }
    applied.push('foldValueBiases');
  }
  return { config: cfg, params: p, applied };
}

/**
 * Fold LayerNorm weight w and bias b (both [D]) into a reading matrix W [D, N] and bias [N]:
 * W'[i, j] = w[i] W[i, j] (then centred over i), bias'[j] = bias[j] + sum_i b[i] W[i, j].
 */
function foldInto(w: ParamTensor, b: ParamTensor, W: ParamTensor, bias: ParamTensor): void {
  const [D, N] = W.shape;
  const colMean = new Float64Array(N);
  const biasAdd = new Float64Array(N);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < N; j++) {
      const x = W.data[i * N + j];
      biasAdd[j] += b.data[i] * x;
      const y = x * w.data[i];
      W.data[i * N + j] = y;
      colMean[j] += y;
    }
  }
  for (let j = 0; j < N; j++) {
    const m = colMean[j] / D;
    for (let i = 0; i < D; i++) W.data[i * N + j] -= m;
    bias.data[j] += biasAdd[j];
  }
}

/** Remove each row's mean over its last `width` entries (a [D] vector is one row). */
function centreRows(t: ParamTensor, width: number): void {
  for (let r = 0; r < t.data.length; r += width) {
    let m = 0;
    for (let i = 0; i < width; i++) m += t.data[r + i];
    m /= width;
    for (let i = 0; i < width; i++) t.data[r + i] -= m;
  }
}
