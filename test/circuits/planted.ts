/**
 * A hand-built two-layer model with a planted induction circuit, and its task.
 *
 * The residual stream is split into orthogonal one-hot blocks, so each kind of information has
 * its own subspace: TOK (the token), POS (the position), PREV (the previous token, written by
 * the previous-token head), OUT (the answer, written by the induction head and the only block the
 * unembedding reads), JUNK (a harmless head's copy of the current token) and MLPJ (a harmless
 * MLP's function of the position). One-hot blocks keep their norm and mean whatever the token, so
 * LayerNorm's scale does not move between clean and corrupted runs, and every edge outside the
 * planted set has (numerically) zero effect.
 *
 * - a0.h0 previous-token head: query and key from POS (saturated), value TOK -> PREV.
 * - a0.h1 harmless: attends to itself (saturated), copies TOK -> JUNK (read by nobody).
 * - m0 harmless: a function of POS -> MLPJ (read by nobody). m1 and a1.h1 write nothing.
 * - a1.h1 reads anything but has W_O = 0.
 * - a1.h0 induction head: query TOK (current token), key PREV, value TOK -> OUT; its attention
 *   is only moderately sharp, so its q/k edges have useful gradients for attribution patching.
 *
 * Task: BOS, six distinct body tokens, then a query token repeating body[i]; answer body[i+1].
 * The corruptions (see inductionTask) together make all five planted edges matter:
 *   input->a0.h0:v, a0.h0->a1.h0:k, input->a1.h0:q, input->a1.h0:v, a1.h0->logits.
 */
import { parseHfConfig, type ModelConfig } from '../../src/main/engine/config';
import { HookedGPT2 } from '../../src/main/engine/model';
import { mulberry32, type ParamDict } from '../../src/main/engine/params';
import type { TokenPair } from '../../src/main/analysis/promptBatch';

export const V = 12;
export const T = 8;
export const D = 64;
export const H = 2;
export const DH = 32;
export const M = 16;
export const BOS = 0;
const TOK = 0;
const POS = 12;
const PREV = 20;
const OUT = 32;
const JUNK = 44;
const MLPJ = 56;

export const PLANTED_EDGES = ['input->a0.h0:v', 'a0.h0->a1.h0:k', 'input->a1.h0:q', 'input->a1.h0:v', 'a1.h0->logits'];

export interface PlantedOptions {
  normalization?: 'LN' | 'none';
  /** Score gap of the induction head between the matching key and the others (moderate: default 2). */
  inductionSharpness?: number;
  /** How strongly the induction head writes the answer into OUT (default 12). */
  outGain?: number;
  /** How strongly the harmless head writes JUNK (default 0.25). */
  junkGain?: number;
}

export function plantedConfig(opts: PlantedOptions = {}): ModelConfig {
  return parseHfConfig({
    n_layer: 2, n_head: H, n_embd: D, n_inner: M, n_positions: T, vocab_size: V,
    activation_function: 'relu', tie_word_embeddings: false,
    normalization_type: (opts.normalization ?? 'LN') === 'LN' ? 'LN' : null,
  });
}

/** Scale a LayerNorm puts on a one-hot coordinate of a residual with `ones` unit one-hots in D dims. */
function lnScale(ones: number, ln: boolean): number {
  if (!ln) return 1;
  const mu = ones / D;
  const variance = (ones * (1 - mu) ** 2 + (D - ones) * mu * mu) / D;
  return (1 - mu) / Math.sqrt(variance + 1e-5);
}

export function plantedParams(opts: PlantedOptions = {}, seed = 3): ParamDict {
  const ln = (opts.normalization ?? 'LN') === 'LN';
  const sharp = opts.inductionSharpness ?? 2;
  const outGain = opts.outGain ?? 12;
  const junkGain = opts.junkGain ?? 0.25;
  const rand = mulberry32(seed);
  const p = new Map<string, { shape: number[]; data: Float32Array }>();
  const put = (name: string, shape: number[], fill?: (data: Float32Array) => void): void => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    fill?.(data);
    p.set(name, { shape, data });
  };
  const wte = (d: Float32Array): void => {
    for (let t = 0; t < V; t++) d[t * D + TOK + t] = 1;
  };
  const wpe = (d: Float32Array): void => {
    for (let t = 0; t < T; t++) d[t * D + POS + t] = 1;
  };
  put('wte.weight', [V, D], wte);
  put('wpe.weight', [T, D], wpe);
  put('lm_head.weight', [V, D], (d) => {
    for (let t = 0; t < V; t++) d[t * D + OUT + t] = 1;
  });
  if (ln) {
    for (const name of ['h.0.ln_1', 'h.0.ln_2', 'h.1.ln_1', 'h.1.ln_2', 'ln_f']) {
      put(`${name}.weight`, [D], (d) => d.fill(1));
      put(`${name}.bias`, [D]);
    }
  }
  // Layer 0 sees TOK + POS (two one-hots); layer 1 also PREV and JUNK (~one-hot each) and MLPJ.
  const a0 = lnScale(2, ln);
  const a1 = lnScale(4, ln);
  // c_attn [D, 3D]: columns q | k | v, head-major inside each.
  const qkv = (layer: number, fill: (set: (which: number, row: number, head: number, col: number, v: number) => void) => void): void => {
    put(`h.${layer}.attn.c_attn.weight`, [D, 3 * D], (d) => fill((which, row, head, col, v) => (d[row * 3 * D + which * D + head * DH + col] = v)));
    put(`h.${layer}.attn.c_attn.bias`, [3 * D]);
  };
  const sat = 40 * Math.sqrt(DH); // saturated heads: score gap ~40
  qkv(0, (set) => {
    for (let t = 0; t < T; t++) {
      set(0, POS + t, 0, t, sat / (a0 * a0)); // prev-token head: query position t ...
      if (t + 1 < DH) set(1, POS + t, 0, t + 1, 1); // ... matches key position t-1
      set(0, POS + t, 1, t, sat / (a0 * a0)); // junk head: query position t matches key t
      set(1, POS + t, 1, t, 1);
    }
    for (let v = 0; v < V; v++) {
      set(2, TOK + v, 0, v, 1 / a0);
      set(2, TOK + v, 1, v, 1 / a0);
    }
  });
  put('h.0.attn.c_proj.weight', [D, D], (d) => {
    for (let v = 0; v < V; v++) {
      d[(0 * DH + v) * D + PREV + v] = 1; // a0.h0 -> PREV
      d[(1 * DH + v) * D + JUNK + v] = junkGain; // a0.h1 -> JUNK
    }
  });
  put('h.0.attn.c_proj.bias', [D]);
  const induction = (sharp * Math.sqrt(DH)) / (a1 * a1);
  qkv(1, (set) => {
    for (let v = 0; v < V; v++) {
      set(0, TOK + v, 0, v, induction); // induction query: current token
      set(1, PREV + v, 0, v, 1); // key: previous token
      set(2, TOK + v, 0, v, 1 / a1); // value: token
    }
    for (let row = 0; row < D; row++) for (let col = 0; col < DH; col++) for (let w = 0; w < 3; w++) set(w, row, 1, col, 0.3 * (rand() - 0.5));
  });
  put('h.1.attn.c_proj.weight', [D, D], (d) => {
    for (let v = 0; v < V; v++) d[(0 * DH + v) * D + OUT + v] = outGain; // a1.h0 -> OUT; a1.h1 writes nothing
  });
  put('h.1.attn.c_proj.bias', [D]);
  // m0: relu of position features into MLPJ; m1: all zero.
  put('h.0.mlp.c_fc.weight', [D, M], (d) => {
    for (let t = 0; t < T; t++) d[(POS + t) * M + t] = 1;
  });
  put('h.0.mlp.c_fc.bias', [M]);
  put('h.0.mlp.c_proj.weight', [M, D], (d) => {
    for (let t = 0; t < T; t++) d[t * D + MLPJ + (t % 4)] = 0.05;
  });
  put('h.0.mlp.c_proj.bias', [D]);
  put('h.1.mlp.c_fc.weight', [D, M]);
  put('h.1.mlp.c_fc.bias', [M]);
  put('h.1.mlp.c_proj.weight', [M, D]);
  put('h.1.mlp.c_proj.bias', [D]);
  return p;
}

export function plantedModel(opts: PlantedOptions = {}): { config: ModelConfig; params: ParamDict; model: HookedGPT2 } {
  const config = plantedConfig(opts);
  const params = plantedParams(opts);
  return { config, params, model: HookedGPT2.fromParams(config, params) };
}

/**
 * Induction prompt pairs, three corruptions in turn: another query token; the query's earlier
 * occurrence swapped with another body position; the token after that occurrence replaced.
 */
export function inductionTask(n: number, seed = 5): TokenPair[] {
  const rand = mulberry32(seed);
  const pick = (k: number): number => Math.floor(rand() * k);
  const items: TokenPair[] = [];
  while (items.length < n) {
    const pool = Array.from({ length: V - 1 }, (_, i) => i + 1);
    const body: number[] = [];
    for (let j = 0; j < 6; j++) body.push(pool.splice(pick(pool.length), 1)[0]);
    const i = pick(5);
    const clean = [BOS, ...body, body[i]];
    const correct = body[i + 1];
    let corrupted: number[];
    const kind = items.length % 3;
    let j = pick(5);
    while (j === i) j = pick(5);
    if (kind === 0) {
      corrupted = [BOS, ...body, body[j]]; // another query token
    } else if (kind === 1) {
      const swapped = [...body];
      [swapped[i], swapped[j]] = [swapped[j], swapped[i]]; // the query's earlier occurrence moves
      corrupted = [BOS, ...swapped, body[i]];
    } else {
      const changed = [...body];
      changed[i + 1] = pool[pick(pool.length)]; // the token after it changes
      corrupted = [BOS, ...changed, body[i]];
    }
    const q = corrupted[7];
    const at = corrupted.indexOf(q, 1);
    const incorrect = corrupted[at + 1];
    if (at >= 6 || incorrect === correct) continue;
    items.push({ clean, corrupted, correct, incorrect });
  }
  return items;
}
