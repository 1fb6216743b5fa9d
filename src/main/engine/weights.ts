/**
 * The engine's tensors, uploaded once from a ParamDict. GPT-2's fused c_attn ([D, 3D]) is split
 * into separate q, k, v matrices here, once, so the forward pass never slices it.
 */
import type { ModelConfig } from './config';
import { expectedParamShapes, type ParamDict } from './params';
import { tf } from './tf';

export interface LayerNormWeights {
  w: tf.Tensor1D; // [D]
  b: tf.Tensor1D; // [D]
}

export interface BlockWeights {
  ln1: LayerNormWeights | undefined;
  /** q, k, v projections split from GPT-2's fused c_attn; columns head-major (head h at h*dh..(h+1)*dh). */
  wQ: tf.Tensor2D; // [D, H*dh]
  wK: tf.Tensor2D; // [D, H*dh]
  wV: tf.Tensor2D; // [D, H*dh]
  bQ: tf.Tensor1D; // [H*dh]
  bK: tf.Tensor1D; // [H*dh]
  bV: tf.Tensor1D; // [H*dh]
  wO: tf.Tensor2D; // [D, D]: rows head-major (H*dh), columns D
  bO: tf.Tensor1D; // [D]
  ln2: LayerNormWeights | undefined;
  wIn: tf.Tensor2D | undefined; // [D, M]
  bIn: tf.Tensor1D | undefined; // [M]
  wOut: tf.Tensor2D | undefined; // [M, D]
  bOut: tf.Tensor1D | undefined; // [D]
}

export interface ModelWeights {
  wte: tf.Tensor2D; // [V, D]
  wpe: tf.Tensor2D; // [P, D]
  blocks: BlockWeights[];
  lnF: LayerNormWeights | undefined;
  /** Unembedding stored as [V, D] (tied: the same tensor as wte). */
  unembed: tf.Tensor2D; // [V, D]
  unembedBias: tf.Tensor1D | undefined; // [V]
}

export class WeightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightError';
  }
}

/** Upload a ParamDict to tensors, asserting every shape it copies. */
export function uploadWeights(c: ModelConfig, params: ParamDict): ModelWeights {
  const expected = expectedParamShapes(c);
  for (const [name, shape] of expected) {
    const p = params.get(name);
    if (!p) throw new WeightError(`missing parameter ${name} (expected shape [${shape}])`);
    if (p.shape.length !== shape.length || p.shape.some((d, i) => d !== shape[i])) {
      throw new WeightError(`parameter ${name} has shape [${p.shape}], expected [${shape}]`);
    }
    if (p.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new WeightError(`parameter ${name} holds ${p.data.length} values, its shape [${shape}] needs ${shape.reduce((a, b) => a * b, 1)}`);
    }
  }
  const created: tf.Tensor[] = [];
  const t = <R extends tf.Rank>(name: string): tf.Tensor<R> => {
    const p = params.get(name)!;
    const tensor = tf.tensor(p.data, p.shape, 'float32') as unknown as tf.Tensor<R>;
    created.push(tensor);
    return tensor;
  };
  const opt = <R extends tf.Rank>(name: string): tf.Tensor<R> | undefined => (expected.has(name) ? t<R>(name) : undefined);
  /** Column block `which` (0 q, 1 k, 2 v) of a fused c_attn weight [D, 3D] or bias [3D]. */
  const attnPart = <R extends tf.Rank>(name: string, which: number): tf.Tensor<R> => {
    const p = params.get(name)!;
    const D = c.dModel;
    const rows = p.shape.length === 2 ? p.shape[0] : 1;
    const part = new Float32Array(rows * D);
    for (let r = 0; r < rows; r++) part.set(p.data.subarray(r * 3 * D + which * D, r * 3 * D + (which + 1) * D), r * D);
    const tensor = tf.tensor(part, p.shape.length === 2 ? [rows, D] : [D], 'float32') as unknown as tf.Tensor<R>;
    created.push(tensor);
    return tensor;
  };
  const ln = (prefix: string): LayerNormWeights | undefined =>
    expected.has(`${prefix}.weight`) ? { w: t(`${prefix}.weight`), b: t(`${prefix}.bias`) } : undefined;
  try {
    const wte = t<tf.Rank.R2>('wte.weight');
    const blocks: BlockWeights[] = [];
    for (let l = 0; l < c.nLayer; l++) {
      const p = `h.${l}.`;
      blocks.push({
        ln1: ln(`${p}ln_1`),
        wQ: attnPart(`${p}attn.c_attn.weight`, 0),
        wK: attnPart(`${p}attn.c_attn.weight`, 1),
        wV: attnPart(`${p}attn.c_attn.weight`, 2),
        bQ: attnPart(`${p}attn.c_attn.bias`, 0),
        bK: attnPart(`${p}attn.c_attn.bias`, 1),
        bV: attnPart(`${p}attn.c_attn.bias`, 2),
        wO: t(`${p}attn.c_proj.weight`),
        bO: t(`${p}attn.c_proj.bias`),
        ln2: ln(`${p}ln_2`),
        wIn: opt(`${p}mlp.c_fc.weight`),
        bIn: opt(`${p}mlp.c_fc.bias`),
        wOut: opt(`${p}mlp.c_proj.weight`),
        bOut: opt(`${p}mlp.c_proj.bias`),
      });
    }
    return {
      wte,
      wpe: t('wpe.weight'),
      blocks,
      lnF: ln('ln_f'),
      unembed: c.tiedEmbeddings ? wte : t('lm_head.weight'),
      unembedBias: opt('lm_head.bias'),
    };
  } catch (err) {
    for (const tensor of created) tensor.dispose();
    throw err;
  }
}

/** Every distinct tensor the weights hold (tied unembedding counted once). */
export function weightTensors(w: ModelWeights): tf.Tensor[] {
  const all = new Set<tf.Tensor>([w.wte, w.wpe, w.unembed]);
  const add = (x: tf.Tensor | undefined): void => {
    if (x) all.add(x);
  };
  add(w.unembedBias);
  add(w.lnF?.w);
  add(w.lnF?.b);
  for (const b of w.blocks) {
    for (const x of [b.ln1?.w, b.ln1?.b, b.wQ, b.wK, b.wV, b.bQ, b.bK, b.bV, b.wO, b.bO, b.ln2?.w, b.ln2?.b, b.wIn, b.bIn, b.wOut, b.bOut]) add(x);
  }
  return [...all];
}
