/**
 * A one-layer, attention-only model whose weights the test sets, with known answers:
 * - head COPY_HEAD attends from every position to SOURCE_POS (query bias x key from the
 *   position embedding, score ALPHA vs 0) and copies that token to the output: its OV circuit
 *   is GAIN x identity on the token subspace, so it adds GAIN * e[token at SOURCE_POS];
 * - head ANTI_HEAD attends to position 0 (BOS) and has OV = -GAIN x identity (a negative copy
 *   head); BOS's embedding lies outside the token subspace, so in real runs it writes nothing;
 * - the other heads have small random QK (near-uniform attention) and random OV.
 * Tokens 1..V-1 are random unit vectors in the 32-dim token subspace (dims 0..31); BOS (token
 * 0) is dim 40; position p is dim 32 + p. Embeddings are tied, there is no LayerNorm.
 */
import { parseHfConfig, type ModelConfig } from '../../src/main/engine/config';
import { HookedGPT2 } from '../../src/main/engine/model';
import { mulberry32, type ParamDict } from '../../src/main/engine/params';

export const V = 48;
export const N_CTX = 8;
export const D = 256;
export const H = 8;
export const DH = 32;
export const TOKEN_DIMS = 32;
export const BOS = 0;
export const COPY_HEAD = 3;
export const ANTI_HEAD = 5;
export const SOURCE_POS = 1;
export const ALPHA = 30;
export const GAIN = 4;

export function handBuiltConfig(): ModelConfig {
  return parseHfConfig({ n_layer: 1, n_head: H, n_embd: D, n_positions: N_CTX, vocab_size: V, attn_only: true, normalization_type: null });
}

export interface HandBuilt {
  config: ModelConfig;
  params: ParamDict;
  model: HookedGPT2;
  /** Token embeddings as plain rows, for independent computations. */
  embedding: number[][];
}

export function handBuiltModel(seed = 7): HandBuilt {
  const config = handBuiltConfig();
  const rand = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const wte = new Float32Array(V * D);
  const embedding: number[][] = [];
  for (let t = 0; t < V; t++) {
    const row = new Array<number>(D).fill(0);
    if (t === BOS) {
      row[40] = 1;
    } else {
      const v = Array.from({ length: TOKEN_DIMS }, normal);
      const norm = Math.hypot(...v);
      v.forEach((x, i) => (row[i] = x / norm));
    }
    row.forEach((x, i) => (wte[t * D + i] = x));
    embedding.push(Array.from(wte.subarray(t * D, (t + 1) * D)));
  }
  const wpe = new Float32Array(N_CTX * D);
  for (let p = 0; p < N_CTX; p++) wpe[p * D + 32 + p] = 1;

  const cAttn = new Float32Array(D * 3 * D); // [D, 3D]: q | k | v, head-major columns
  const cAttnBias = new Float32Array(3 * D);
  const cProj = new Float32Array(D * D); // [H*dh, D]
  const setQkv = (which: number, row: number, head: number, i: number, value: number): void => {
    cAttn[row * 3 * D + which * D + head * DH + i] = value;
  };
  for (let h = 0; h < H; h++) {
    if (h === COPY_HEAD || h === ANTI_HEAD) {
      const targetPos = h === COPY_HEAD ? SOURCE_POS : 0;
      cAttnBias[h * DH] = ALPHA * Math.sqrt(DH); // q[0] constant
      setQkv(1, 32 + targetPos, h, 0, 1); // k[0] = 1 at the target position only
      const sign = h === COPY_HEAD ? 1 : -1;
      for (let i = 0; i < TOKEN_DIMS; i++) {
        setQkv(2, i, h, i, 1); // v = token-subspace coordinates
        cProj[(h * DH + i) * D + i] = sign * GAIN; // back onto the token subspace
      }
    } else {
      for (let row = 0; row < D; row++) {
        for (let i = 0; i < DH; i++) {
          setQkv(0, row, h, i, 0.05 * normal());
          setQkv(1, row, h, i, 0.05 * normal());
          setQkv(2, row, h, i, 0.1 * normal());
        }
      }
      for (let i = 0; i < DH; i++) for (let col = 0; col < D; col++) cProj[(h * DH + i) * D + col] = 0.1 * normal();
    }
  }
  const params: ParamDict = new Map([
    ['wte.weight', { shape: [V, D], data: wte }],
    ['wpe.weight', { shape: [N_CTX, D], data: wpe }],
    ['h.0.attn.c_attn.weight', { shape: [D, 3 * D], data: cAttn }],
    ['h.0.attn.c_attn.bias', { shape: [3 * D], data: cAttnBias }],
    ['h.0.attn.c_proj.weight', { shape: [D, D], data: cProj }],
    ['h.0.attn.c_proj.bias', { shape: [D], data: new Float32Array(D) }],
  ]);
  return { config, params, model: HookedGPT2.fromParams(config, params), embedding };
}

/**
 * Prompt pairs BOS, A, x2..x5 (clean) and BOS, B, x2..x5 (corrupted): the token at SOURCE_POS
 * is the answer, so correct = A and incorrect = B.
 */
export function copyTask(n: number, seed = 11, length = 6): { clean: number[]; corrupted: number[]; correct: number; incorrect: number }[] {
  const rand = mulberry32(seed);
  const tok = (): number => 1 + Math.floor(rand() * (V - 1));
  return Array.from({ length: n }, () => {
    const a = tok();
    let b = tok();
    while (b === a) b = tok();
    const rest = Array.from({ length: length - 2 }, tok);
    return { clean: [BOS, a, ...rest], corrupted: [BOS, b, ...rest], correct: a, incorrect: b };
  });
}

export const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);

/**
 * A one-layer model whose attention writes nothing (all attention weights zero) and whose MLP
 * neuron NEURON reads residual dimension 0 through a ReLU (W_in[0][NEURON] = 1, bias 0), so its
 * activation at a position is written down from the embeddings: token t puts 0.1 t on dim 0,
 * position p adds 0.01 p, and the neuron fires 0.1 t + 0.01 p. Neuron DEAD_NEURON reads
 * -dim 0, so it never fires. No LayerNorm.
 */
export const NEURON = 2;
export const DEAD_NEURON = 3;
export const neuronActivation = (token: number, position: number): number => 0.1 * token + 0.01 * position;

export function neuronModel(): { config: ModelConfig; model: HookedGPT2 } {
  const Dn = 8;
  const M = 6;
  const Vn = 20;
  const config = parseHfConfig({ n_layer: 1, n_head: 2, n_embd: Dn, n_positions: N_CTX, vocab_size: Vn, n_inner: M, activation_function: 'relu', normalization_type: null });
  const wte = new Float32Array(Vn * Dn);
  for (let t = 0; t < Vn; t++) wte[t * Dn] = 0.1 * t;
  const wpe = new Float32Array(N_CTX * Dn);
  for (let p = 0; p < N_CTX; p++) wpe[p * Dn] = 0.01 * p;
  const cFc = new Float32Array(Dn * M); // [D, M]
  cFc[0 * M + NEURON] = 1;
  cFc[0 * M + DEAD_NEURON] = -1;
  const zeros = (...shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  const params: ParamDict = new Map([
    ['wte.weight', { shape: [Vn, Dn], data: wte }],
    ['wpe.weight', { shape: [N_CTX, Dn], data: wpe }],
    ['h.0.attn.c_attn.weight', zeros(Dn, 3 * Dn)],
    ['h.0.attn.c_attn.bias', zeros(3 * Dn)],
    ['h.0.attn.c_proj.weight', zeros(Dn, Dn)],
    ['h.0.attn.c_proj.bias', zeros(Dn)],
    ['h.0.mlp.c_fc.weight', { shape: [Dn, M], data: cFc }],
    ['h.0.mlp.c_fc.bias', zeros(M)],
    ['h.0.mlp.c_proj.weight', zeros(M, Dn)],
    ['h.0.mlp.c_proj.bias', zeros(Dn)],
  ]);
  return { config, model: HookedGPT2.fromParams(config, params) };
}
