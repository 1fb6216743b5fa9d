/**
 * An independent reference GPT-2 for tests: plain Float64 loops over the Hugging Face parameter
 * arrays, sharing no code with the engine. Slow and obvious on purpose.
 */

export interface RefConfig {
  nLayer: number;
  nHead: number;
  dModel: number;
  dMlp: number;
  vocabSize: number;
  lnEps: number;
  activation: 'gelu_new' | 'gelu' | 'relu';
  normalization: 'LN' | 'LNPre' | 'none';
  attnOnly: boolean;
  tied: boolean;
  unembedBias: boolean;
}

export type RefParams = Map<string, { shape: number[]; data: Float32Array }>;

/** Replace one head's z (the attention-weighted values, before W_O) at one layer. */
export interface ZOverride {
  layer: number;
  head: number;
  /** z values [T][dh] for each batch row: zOverride.value[b][t][i]. */
  value: number[][][];
}

type Vec = Float64Array;

function get(p: RefParams, name: string): Float32Array {
  const t = p.get(name);
  if (!t) throw new Error(`reference: missing ${name}`);
  return t.data;
}

function layerNorm(x: Vec, w: Float32Array | undefined, b: Float32Array | undefined, eps: number, kind: RefConfig['normalization']): Vec {
  if (kind === 'none') return Float64Array.from(x);
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i] - mean) ** 2;
  variance /= n;
  const inv = 1 / Math.sqrt(variance + eps);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = (x[i] - mean) * inv;
    if (w && b) out[i] = out[i] * w[i] + b[i];
  }
  return out;
}

/** y = x W + bias with W stored row-major [in, out] (Conv1D layout); columns [c0, c0+nOut). */
function linear(x: Vec, W: Float32Array, nOut: number, rowStride: number, c0: number, bias: Float32Array | undefined, b0: number): Vec {
  const y = new Float64Array(nOut);
  for (let j = 0; j < nOut; j++) {
    let s = bias ? bias[b0 + j] : 0;
    for (let i = 0; i < x.length; i++) s += x[i] * W[i * rowStride + c0 + j];
    y[j] = s;
  }
  return y;
}

function act(kind: RefConfig['activation'], x: number): number {
  if (kind === 'relu') return Math.max(0, x);
  if (kind === 'gelu_new') return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** Abramowitz-Stegun 7.1.26 is too coarse; use a series/continued fraction good to ~1e-12. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a < 3) {
    let sum = 0;
    let term = a;
    for (let n = 0; n < 200; n++) {
      const contrib = term / (2 * n + 1);
      sum += contrib;
      if (Math.abs(contrib) < 1e-17) break;
      term *= (-a * a) / (n + 1);
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI);
  }
  // erfc continued fraction for large |x|
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (a + f);
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  return sign * (1 - erfc);
}

/** Logits [B][T][V] of the reference model, optionally with one head's z replaced. */
export function referenceLogits(c: RefConfig, p: RefParams, tokens: number[][], zOverride?: ZOverride): number[][][] {
  const D = c.dModel;
  const H = c.nHead;
  const dh = D / H;
  const wte = get(p, 'wte.weight');
  const wpe = get(p, 'wpe.weight');
  const ln = (name: string): [Float32Array | undefined, Float32Array | undefined] =>
    c.normalization === 'LN' ? [get(p, `${name}.weight`), get(p, `${name}.bias`)] : [undefined, undefined];
  const out: number[][][] = [];
  for (let b = 0; b < tokens.length; b++) {
    const T = tokens[b].length;
    let resid: Vec[] = [];
    for (let t = 0; t < T; t++) {
      const r = new Float64Array(D);
      for (let i = 0; i < D; i++) r[i] = wte[tokens[b][t] * D + i] + wpe[t * D + i];
      resid.push(r);
    }
    for (let l = 0; l < c.nLayer; l++) {
      const pre = `h.${l}.`;
      const [g1, b1] = ln(`${pre}ln_1`);
      const wAttn = get(p, `${pre}attn.c_attn.weight`);
      const bAttn = get(p, `${pre}attn.c_attn.bias`);
      const xs = resid.map((r) => layerNorm(r, g1, b1, c.lnEps, c.normalization));
      const q = xs.map((x) => linear(x, wAttn, D, 3 * D, 0, bAttn, 0));
      const k = xs.map((x) => linear(x, wAttn, D, 3 * D, D, bAttn, D));
      const v = xs.map((x) => linear(x, wAttn, D, 3 * D, 2 * D, bAttn, 2 * D));
      const z: Vec[] = resid.map(() => new Float64Array(D)); // heads concatenated
      for (let h = 0; h < H; h++) {
        for (let tq = 0; tq < T; tq++) {
          const scores: number[] = [];
          for (let tk = 0; tk <= tq; tk++) {
            let s = 0;
            for (let i = 0; i < dh; i++) s += q[tq][h * dh + i] * k[tk][h * dh + i];
            scores.push(s / Math.sqrt(dh));
          }
          const m = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - m));
          const sum = e.reduce((a, x) => a + x, 0);
          for (let i = 0; i < dh; i++) {
            let acc = 0;
            for (let tk = 0; tk <= tq; tk++) acc += (e[tk] / sum) * v[tk][h * dh + i];
            z[tq][h * dh + i] = acc;
          }
          if (zOverride && zOverride.layer === l && zOverride.head === h) {
            for (let i = 0; i < dh; i++) z[tq][h * dh + i] = zOverride.value[b][tq][i];
          }
        }
      }
      const wProj = get(p, `${pre}attn.c_proj.weight`);
      const bProj = get(p, `${pre}attn.c_proj.bias`);
      resid = resid.map((r, t) => {
        const a = linear(z[t], wProj, D, D, 0, bProj, 0);
        return r.map((x, i) => x + a[i]);
      });
      if (!c.attnOnly) {
        const [g2, b2] = ln(`${pre}ln_2`);
        const wFc = get(p, `${pre}mlp.c_fc.weight`);
        const bFc = get(p, `${pre}mlp.c_fc.bias`);
        const wOut = get(p, `${pre}mlp.c_proj.weight`);
        const bOut = get(p, `${pre}mlp.c_proj.bias`);
        resid = resid.map((r) => {
          const hidden = linear(layerNorm(r, g2, b2, c.lnEps, c.normalization), wFc, c.dMlp, c.dMlp, 0, bFc, 0).map((x) => act(c.activation, x));
          const m = linear(hidden, wOut, D, D, 0, bOut, 0);
          return r.map((x, i) => x + m[i]);
        });
      }
    }
    const [gf, bf] = ln('ln_f');
    const U = c.tied ? wte : get(p, 'lm_head.weight'); // [V, D]
    const bU = c.unembedBias ? get(p, 'lm_head.bias') : undefined;
    out.push(
      resid.map((r) => {
        const x = layerNorm(r, gf, bf, c.lnEps, c.normalization);
        const logits: number[] = [];
        for (let tok = 0; tok < c.vocabSize; tok++) {
          let s = bU ? bU[tok] : 0;
          for (let i = 0; i < D; i++) s += x[i] * U[tok * D + i];
          logits.push(s);
        }
        return logits;
      }),
    );
  }
  return out;
}

/** The largest absolute difference, relative to the largest reference magnitude. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-12);
}
