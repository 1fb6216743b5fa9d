/**
 * An independent reference GPT-2 for tests: plain Float64 loops over the Hugging Face parameter
 * arrays, sharing no code with the engine (not even the hook-name helpers: the names are
 * spelled out here). Slow and obvious on purpose.
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

/** LayerNorm's scale: the root of the variance plus eps. */
function layerNormScale(x: Vec, eps: number): number {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i];
  mean /= x.length;
  let variance = 0;
  for (let i = 0; i < x.length; i++) variance += (x[i] - mean) ** 2;
  return Math.sqrt(variance / x.length + eps);
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

/**
 * Every intermediate value of one reference run, keyed by the TransformerLens hook names the
 * reference writes out itself (not read from the engine). Each value is one flat array per
 * batch row, in the engine's row layout: [T, D] for residual-shaped points, [T] for LayerNorm
 * scales, [T, H, dh] for q/k/v/z, [H, Tq, Tk] for scores (masked: -Infinity) and patterns,
 * [T, H, D] for split q/k/v inputs and per-head results, [T, M] for MLP points.
 */
export type RefActivations = Map<string, number[][]>;

export interface RefRun {
  /** [B][T][V] */
  logits: number[][][];
  activations: RefActivations;
}

/** Logits [B][T][V] of the reference model, optionally with one head's z replaced. */
export function referenceLogits(c: RefConfig, p: RefParams, tokens: number[][], zOverride?: ZOverride): number[][][] {
  return referenceRun(c, p, tokens, zOverride).logits;
}

/** The reference forward pass, recording every hook point's value. */
export function referenceRun(c: RefConfig, p: RefParams, tokens: number[][], zOverride?: ZOverride): RefRun {
  const D = c.dModel;
  const H = c.nHead;
  const dh = D / H;
  const wte = get(p, 'wte.weight');
  const wpe = get(p, 'wpe.weight');
  const ln = (name: string): [Float32Array | undefined, Float32Array | undefined] =>
    c.normalization === 'LN' ? [get(p, `${name}.weight`), get(p, `${name}.bias`)] : [undefined, undefined];
  const activations: RefActivations = new Map();
  const record = (name: string, b: number, value: ArrayLike<number>[] | number[]): void => {
    if (!activations.has(name)) activations.set(name, []);
    const flat: number[] = [];
    for (const v of value) {
      if (typeof v === 'number') flat.push(v);
      else for (let i = 0; i < v.length; i++) flat.push(v[i]);
    }
    activations.get(name)![b] = flat;
  };
  /** LayerNorm with its two hook points (scale = sqrt(var + eps), normalized after w and b). */
  const norm = (xs: Vec[], prefix: string, w: Float32Array | undefined, bias: Float32Array | undefined, b: number): Vec[] => {
    if (c.normalization === 'none') return xs.map((x) => Float64Array.from(x));
    record(`${prefix}.hook_scale`, b, xs.map((x) => layerNormScale(x, c.lnEps)));
    const out = xs.map((x) => layerNorm(x, w, bias, c.lnEps, c.normalization));
    record(`${prefix}.hook_normalized`, b, out);
    return out;
  };
  const out: number[][][] = [];
  for (let b = 0; b < tokens.length; b++) {
    const T = tokens[b].length;
    const embed: Vec[] = [];
    const posEmbed: Vec[] = [];
    for (let t = 0; t < T; t++) {
      embed.push(Float64Array.from(wte.subarray(tokens[b][t] * D, (tokens[b][t] + 1) * D)));
      posEmbed.push(Float64Array.from(wpe.subarray(t * D, (t + 1) * D)));
    }
    record('hook_embed', b, embed);
    record('hook_pos_embed', b, posEmbed);
    let resid: Vec[] = embed.map((e, t) => e.map((x, i) => x + posEmbed[t][i]));
    for (let l = 0; l < c.nLayer; l++) {
      const pre = `h.${l}.`;
      const hook = (s: string): string => `blocks.${l}.${s}`;
      record(hook('hook_resid_pre'), b, resid);
      // Split q/k/v inputs: every head reads the same copy of the residual.
      for (const s of ['hook_q_input', 'hook_k_input', 'hook_v_input']) {
        record(hook(s), b, resid.flatMap((r) => Array.from({ length: H }, () => r)));
      }
      const [g1, b1] = ln(`${pre}ln_1`);
      const wAttn = get(p, `${pre}attn.c_attn.weight`);
      const bAttn = get(p, `${pre}attn.c_attn.bias`);
      const xs = norm(resid, hook('ln1'), g1, b1, b);
      const q = xs.map((x) => linear(x, wAttn, D, 3 * D, 0, bAttn, 0));
      const k = xs.map((x) => linear(x, wAttn, D, 3 * D, D, bAttn, D));
      const v = xs.map((x) => linear(x, wAttn, D, 3 * D, 2 * D, bAttn, 2 * D));
      record(hook('attn.hook_q'), b, q);
      record(hook('attn.hook_k'), b, k);
      record(hook('attn.hook_v'), b, v);
      const z: Vec[] = resid.map(() => new Float64Array(D)); // heads concatenated
      const allScores: number[] = []; // [H, Tq, Tk]
      const allPattern: number[] = []; // [H, Tq, Tk]
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
          for (let tk = 0; tk < T; tk++) {
            allScores.push(tk <= tq ? scores[tk] : -Infinity);
            allPattern.push(tk <= tq ? e[tk] / sum : 0);
          }
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
      record(hook('attn.hook_attn_scores'), b, allScores);
      record(hook('attn.hook_pattern'), b, allPattern);
      record(hook('attn.hook_z'), b, z);
      const wProj = get(p, `${pre}attn.c_proj.weight`);
      const bProj = get(p, `${pre}attn.c_proj.bias`);
      // Per-head results: z_h times rows [h*dh, (h+1)*dh) of W_O, no bias. [T, H, D]
      record(hook('attn.hook_result'), b, z.flatMap((zt) => Array.from({ length: H }, (_, h) => {
        const r = new Float64Array(D);
        for (let j = 0; j < D; j++) for (let i = 0; i < dh; i++) r[j] += zt[h * dh + i] * wProj[(h * dh + i) * D + j];
        return r;
      })));
      const attnOut = z.map((zt) => linear(zt, wProj, D, D, 0, bProj, 0));
      record(hook('hook_attn_out'), b, attnOut);
      resid = resid.map((r, t) => r.map((x, i) => x + attnOut[t][i]));
      if (!c.attnOnly) {
        record(hook('hook_resid_mid'), b, resid);
        record(hook('hook_mlp_in'), b, resid);
        const [g2, b2] = ln(`${pre}ln_2`);
        const wFc = get(p, `${pre}mlp.c_fc.weight`);
        const bFc = get(p, `${pre}mlp.c_fc.bias`);
        const wOut = get(p, `${pre}mlp.c_proj.weight`);
        const bOut = get(p, `${pre}mlp.c_proj.bias`);
        const preAct = norm(resid, hook('ln2'), g2, b2, b).map((x) => linear(x, wFc, c.dMlp, c.dMlp, 0, bFc, 0));
        const postAct = preAct.map((x) => x.map((y) => act(c.activation, y)));
        const mlpOut = postAct.map((hidden) => linear(hidden, wOut, D, D, 0, bOut, 0));
        record(hook('mlp.hook_pre'), b, preAct);
        record(hook('mlp.hook_post'), b, postAct);
        record(hook('hook_mlp_out'), b, mlpOut);
        resid = resid.map((r, t) => r.map((x, i) => x + mlpOut[t][i]));
      }
      record(hook('hook_resid_post'), b, resid);
    }
    const [gf, bf] = ln('ln_f');
    const U = c.tied ? wte : get(p, 'lm_head.weight'); // [V, D]
    const bU = c.unembedBias ? get(p, 'lm_head.bias') : undefined;
    out.push(
      norm(resid, 'ln_final', gf, bf, b).map((x) => {
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
  return { logits: out, activations };
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
