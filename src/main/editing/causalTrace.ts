/**
 * Causal tracing (ROME, Meng et al. 2022): corrupt the subject's token embeddings with Gaussian
 * noise, then restore ONE layer's clean state at ONE position and measure how much of the clean
 * answer's probability comes back. The layers x positions table shows where the subject's
 * information is carried; a peak in the MLP rows at the subject's last token picks ROME's layer.
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import { mulberry32 } from '../engine/params';
import { tf, type Tensor } from '../engine/tf';
import { Progress, type AnalysisOptions } from '../analysis/progress';
import { EditError } from './delta';

export type TraceKind = 'resid' | 'mlp' | 'attn';
const TRACE_HOOK: Record<TraceKind, string> = { resid: 'hook_resid_post', mlp: 'hook_mlp_out', attn: 'hook_attn_out' };

export interface CausalTraceOptions extends AnalysisOptions {
  kind?: TraceKind;
  /** Noise samples per cell (ROME: 10). */
  samples?: number;
  /** Noise std as a multiple of the token embeddings' std (ROME: 3). */
  noiseScale?: number;
  seed?: number;
}

export interface CausalTrace {
  kind: TraceKind;
  /** The answer whose probability is traced (the clean run's top-1 unless given). */
  answer: number;
  cleanProb: number;
  /** Probability with the subject corrupted and nothing restored. */
  corruptedProb: number;
  /** [layer][position]: answer probability with that layer's state restored at that position. */
  probs: number[][];
  subjectPositions: number[];
}

/** Gaussian noise [S, T, D], zero outside the subject positions (Box-Muller over a seeded PRNG). */
function noiseData(S: number, T: number, D: number, positions: readonly number[], std: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(S * T * D);
  for (let s = 0; s < S; s++) {
    for (const p of positions) {
      for (let d = 0; d < D; d++) {
        const u = Math.max(rand(), 1e-12);
        out[(s * T + p) * D + d] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
      }
    }
  }
  return out;
}

export async function causalTrace(model: HookedGPT2, ids: readonly number[], subjectPositions: readonly number[], opts: CausalTraceOptions & { answer?: number } = {}): Promise<CausalTrace> {
  const c = model.config;
  const kind = opts.kind ?? 'resid';
  if (kind !== 'resid' && c.attnOnly && kind === 'mlp') throw new EditError('the model is attention-only: there are no MLP states to restore');
  const T = ids.length;
  if (subjectPositions.length === 0 || subjectPositions.some((p) => !Number.isInteger(p) || p < 0 || p >= T)) {
    throw new EditError(`subject positions [${subjectPositions}] must be non-empty and inside 0..${T - 1}`);
  }
  const S = opts.samples ?? 10;
  const D = c.dModel;
  const embStd = tf.tidy(() => tf.moments(model.weights.wte).variance.sqrt().dataSync()[0]);
  const noise = tf.tensor3d(noiseData(S, T, D, subjectPositions, (opts.noiseScale ?? 3) * embStd, opts.seed ?? 0), [S, T, D]); // [S, T, D]
  const names = Array.from({ length: c.nLayer }, (_, l) => blockHook(l, TRACE_HOOK[kind]));
  const progress = new Progress(c.nLayer + 1, opts);
  try {
    const clean = model.runWithCache([ids as number[]], names, { logits: 'last' });
    const cleanProbs = tf.tidy(() => tf.softmax(clean.logits!).reshape([-1])); // [V]
    clean.logits!.dispose();
    const cleanP = await cleanProbs.data();
    cleanProbs.dispose();
    const answer = opts.answer ?? cleanP.indexOf(Math.max(...cleanP));
    const noisy = (rows: number): { name: string; fn: (x: Tensor) => Tensor } => ({
      name: 'hook_embed',
      fn: (x) => x.add(tf.tile(noise, [rows / S, 1, 1])), // [rows, T, D]
    });
    const probOf = (logits: Tensor, rows: number): Tensor => tf.softmax(logits).slice([0, answer], [rows, 1]).reshape([rows / S, S]).mean(1); // [rows / S]
    try {
      const corruptedT = tf.tidy(() => probOf(model.runWithHooks(Array(S).fill(ids), [noisy(S)], { logits: 'last' }), S));
      const corrupted = (await corruptedT.data())[0];
      corruptedT.dispose();
      await progress.step();
      const probs: number[][] = [];
      for (let l = 0; l < c.nLayer; l++) {
        progress.check();
        // One batch per layer: T blocks of S noisy rows, block t restores position t.
        const rowP = tf.tidy(() => {
          const rows = S * T;
          const mask = tf.tensor3d(Float32Array.from({ length: rows * T }, (_, i) => (Math.floor(Math.floor(i / T) / S) === i % T ? 1 : 0)), [rows, T, 1]); // [rows, T, 1]
          const cleanState = clean.cache.get(names[l]); // [1, T, D]
          const restore = { name: names[l], fn: (x: Tensor) => x.mul(tf.sub(1, mask)).add(cleanState.mul(mask)) }; // [rows, T, D]
          return probOf(model.runWithHooks(Array(rows).fill(ids), [noisy(rows), restore], { logits: 'last' }), rows); // [T]
        });
        probs.push(Array.from(await rowP.data()));
        rowP.dispose();
        await progress.step();
      }
      return { kind, answer, cleanProb: cleanP[answer], corruptedProb: corrupted, probs, subjectPositions: [...subjectPositions] };
    } finally {
      clean.cache.dispose();
    }
  } finally {
    noise.dispose();
  }
}

/** The layer whose restored state at the subject's last token brings back the most probability. */
export function peakLayerAtSubject(trace: CausalTrace): number {
  const last = Math.max(...trace.subjectPositions);
  let best = 0;
  trace.probs.forEach((row, l) => {
    if (row[last] > trace.probs[best][last]) best = l;
  });
  return best;
}
