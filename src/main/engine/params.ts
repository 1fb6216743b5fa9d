/**
 * The parameter dictionary: framework-free Float32 arrays keyed by the Hugging Face GPT-2
 * names without the `transformer.` prefix, in Conv1D layout ([in, out]). The loader produces
 * it, the HF writer consumes it, the engine uploads it to tensors.
 */
import type { ModelConfig } from './config';

export interface ParamTensor {
  shape: number[];
  data: Float32Array;
}

export type ParamDict = Map<string, ParamTensor>;

/** Every parameter a model of this config needs, with its expected shape. */
export function expectedParamShapes(c: ModelConfig): Map<string, number[]> {
  const D = c.dModel;
  const shapes = new Map<string, number[]>();
  const hasLnParams = c.normalization === 'LN';
  shapes.set('wte.weight', [c.vocabSize, D]);
  shapes.set('wpe.weight', [c.nCtx, D]);
  for (let l = 0; l < c.nLayer; l++) {
    const p = `h.${l}.`;
    if (hasLnParams) {
      shapes.set(`${p}ln_1.weight`, [D]);
      shapes.set(`${p}ln_1.bias`, [D]);
    }
    shapes.set(`${p}attn.c_attn.weight`, [D, 3 * D]);
    shapes.set(`${p}attn.c_attn.bias`, [3 * D]);
    shapes.set(`${p}attn.c_proj.weight`, [D, D]);
    shapes.set(`${p}attn.c_proj.bias`, [D]);
    if (!c.attnOnly) {
      if (hasLnParams) {
        shapes.set(`${p}ln_2.weight`, [D]);
        shapes.set(`${p}ln_2.bias`, [D]);
      }
      shapes.set(`${p}mlp.c_fc.weight`, [D, c.dMlp]);
      shapes.set(`${p}mlp.c_fc.bias`, [c.dMlp]);
      shapes.set(`${p}mlp.c_proj.weight`, [c.dMlp, D]);
      shapes.set(`${p}mlp.c_proj.bias`, [D]);
    }
  }
  if (hasLnParams) {
    shapes.set('ln_f.weight', [D]);
    shapes.set('ln_f.bias', [D]);
  }
  if (!c.tiedEmbeddings) shapes.set('lm_head.weight', [c.vocabSize, D]);
  if (c.unembedBias) shapes.set('lm_head.bias', [c.vocabSize]);
  return shapes;
}

export function parameterCount(c: ModelConfig): number {
  let n = 0;
  for (const shape of expectedParamShapes(c).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/** Draw a randomly initialised parameter dict (GPT-2 init: N(0, std), LN weight 1, biases small). */
export function randomParams(c: ModelConfig, seed: number, std = 0.02): ParamDict {
  const rand = mulberry32(seed);
  const normal = (): number => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const params: ParamDict = new Map();
  for (const [name, shape] of expectedParamShapes(c)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const isLnWeight = /ln_[12f]\.weight$|ln_f\.weight$/.test(name);
    for (let i = 0; i < size; i++) data[i] = isLnWeight ? 1 + 0.1 * normal() : std * normal();
    params.set(name, { shape, data });
  }
  return params;
}

/** Small, fast, seedable PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
