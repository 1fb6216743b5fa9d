/**
 * A model's weights as one read-only SharedArrayBuffer, so worker threads can build their own
 * copy of the model (each worker has its own backend and heap) without one JS copy per worker.
 */
import type { HookedGPT2 } from './model';
import { expectedParamShapes, type ParamDict } from './params';
import { tf, type Tensor } from './tf';

export interface SharedParams {
  buffer: SharedArrayBuffer;
  /** Parameter name -> shape and float offset into buffer, in expectedParamShapes order. */
  entries: { name: string; shape: number[]; offset: number }[];
}

/** The tensor holding each parameter of the ParamDict layout (c_attn fused back from q, k, v). */
function paramTensor(model: HookedGPT2, name: string): Tensor {
  const w = model.weights;
  if (name === 'wte.weight') return w.wte;
  if (name === 'wpe.weight') return w.wpe;
  if (name === 'ln_f.weight') return w.lnF!.w;
  if (name === 'ln_f.bias') return w.lnF!.b;
  if (name === 'lm_head.weight') return w.unembed;
  if (name === 'lm_head.bias') return w.unembedBias!;
  const m = /^h\.(\d+)\.(.+)$/.exec(name);
  if (!m) throw new Error(`unknown parameter ${name}`);
  const b = w.blocks[Number(m[1])];
  const byName: Record<string, () => Tensor | undefined> = {
    'ln_1.weight': () => b.ln1?.w,
    'ln_1.bias': () => b.ln1?.b,
    'attn.c_attn.weight': () => tf.concat([b.wQ, b.wK, b.wV], 1), // [D, 3D]
    'attn.c_attn.bias': () => tf.concat([b.bQ, b.bK, b.bV]), // [3D]
    'attn.c_proj.weight': () => b.wO,
    'attn.c_proj.bias': () => b.bO,
    'ln_2.weight': () => b.ln2?.w,
    'ln_2.bias': () => b.ln2?.b,
    'mlp.c_fc.weight': () => b.wIn,
    'mlp.c_fc.bias': () => b.bIn,
    'mlp.c_proj.weight': () => b.wOut,
    'mlp.c_proj.bias': () => b.bOut,
  };
  const t = byName[m[2]]?.();
  if (!t) throw new Error(`the model has no tensor for parameter ${name}`);
  return t;
}

/** Copy the model's weights into one SharedArrayBuffer (float32). */
export async function shareParams(model: HookedGPT2): Promise<SharedParams> {
  const shapes = expectedParamShapes(model.config);
  let total = 0;
  const entries = [...shapes].map(([name, shape]) => {
    const e = { name, shape, offset: total };
    total += shape.reduce((a, b) => a * b, 1);
    return e;
  });
  const buffer = new SharedArrayBuffer(4 * total);
  const all = new Float32Array(buffer);
  for (const e of entries) {
    const t = tf.tidy(() => paramTensor(model, e.name).clone());
    all.set(await t.data<'float32'>(), e.offset);
    t.dispose();
  }
  return { buffer, entries };
}

/** A ParamDict whose arrays are views on the shared buffer (read them, never write). */
export function paramsFromShared(shared: SharedParams): ParamDict {
  const params: ParamDict = new Map();
  for (const e of shared.entries) params.set(e.name, { shape: e.shape, data: new Float32Array(shared.buffer, 4 * e.offset, e.shape.reduce((a, b) => a * b, 1)) });
  return params;
}

