/**
 * OV circuit copy scores (outline step 3c, IOI paper section 3.3): push each candidate token's
 * embedding through a head's OV circuit and unembed it, then ask where the token itself lands.
 *
 * Pipeline per token t and head (l, h): x = W_E[t] (or, with input 'mlp0', the residual after
 * the first MLP with attention ignored: x + MLP0(ln2(x))); LayerNorm ln1 of layer l without its
 * bias (centre, scale, times ln1.w); times W_V^h W_O^h (no value or output bias); ln_final
 * without its bias; times the unembedding (no unembedding bias). Biases add the same vector for
 * every token, so they are left out of a token-to-token map.
 * - copying: fraction of tokens whose own token is among the top k logits;
 * - negative: fraction whose own token is among the bottom k (most suppressed);
 * - antonym: for antonym pairs (a, b), fraction of both directions where the partner is in the top k.
 * The average head (the OV matrices of all heads averaged) gives the baseline; chance is k / V.
 */
import { defaultCopyInput, type COPY_INPUTS } from '../../shared/api/analysisKinds';
import type { HookedGPT2 } from '../engine/model';
import { activate } from '../engine/layers';
import { tf, type Tensor } from '../engine/tf';
import { AnalysisError, Progress, type AnalysisOptions } from './progress';
import { layerNorm } from './residualMath';

export type CopyInput = (typeof COPY_INPUTS)[number];

export interface CopyScoreOptions extends AnalysisOptions {
  k?: number;
  /** Default: defaultCopyInput (after MLP0, or embeddings on an attention-only model), as the workbench, CLI and study read. */
  input?: CopyInput;
  antonyms?: readonly (readonly [number, number])[];
}

export interface HeadScores {
  copying: number;
  negative: number;
  antonym: number | undefined;
}

export interface CopyScoreResult {
  kind: 'copy-scores';
  k: number;
  input: CopyInput;
  tokens: number[];
  /** [L, H] row-major tables. */
  shape: [number, number];
  copying: number[];
  negative: number[];
  antonym: number[] | undefined;
  averageHead: HeadScores;
  chance: number;
  convention: string;
}

export async function copyScores(model: HookedGPT2, tokens: readonly number[], opts: CopyScoreOptions = {}): Promise<CopyScoreResult> {
  const c = model.config;
  const k = opts.k ?? 5;
  const input = opts.input ?? defaultCopyInput(c.attnOnly);
  if (tokens.length === 0) throw new AnalysisError('copy scores need at least one candidate token');
  for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= c.vocabSize) throw new AnalysisError(`candidate token id ${t} is outside the vocabulary (0..${c.vocabSize - 1})`);
  if (!Number.isInteger(k) || k < 1 || k > c.vocabSize) throw new AnalysisError(`k must be an integer in 1..${c.vocabSize}, got ${k}`);
  if (input === 'mlp0' && c.attnOnly) throw new AnalysisError('input "mlp0" needs an MLP in layer 0; the model is attention-only');
  const antonymPairs = opts.antonyms ?? [];
  const position = new Map(tokens.map((t, i) => [t, i]));
  // partner[i] = index of token i's antonym among the candidates (both directions), or -1
  const partner = tokens.map(() => -1);
  for (const [a, b] of antonymPairs) {
    const ia = position.get(a);
    const ib = position.get(b);
    if (ia === undefined || ib === undefined) throw new AnalysisError(`antonym pair (${a}, ${b}) is not among the candidate tokens`);
    partner[ia] = ib;
    partner[ib] = ia;
  }
  const L = c.nLayer;
  const H = c.nHead;
  const progress = new Progress(L + 1, opts);
  const x = residualInput(model, tokens, input); // [N, D]
  let outSum = tf.zerosLike(x); // [N, D]: the sum of every head's OV output, for the average head
  const copying: number[] = [];
  const negative: number[] = [];
  const antonym: number[] = [];
  try {
    for (let l = 0; l < L; l++) {
      progress.check();
      const outs = tf.tidy(() => headOutputs(model, x, l)); // [H, N, D]
      const next = tf.tidy(() => outSum.add(outs.sum(0))); // [N, D]
      outSum.dispose();
      outSum = next;
      // one head at a time keeps the [N, V] logits small on large vocabularies
      for (let h = 0; h < H; h++) {
        const s = await scoreOutputs(model, tf.tidy(() => tf.squeeze(tf.slice(outs, [h, 0, 0], [1, -1, -1]), [0])), tokens, partner, k); // [N, D]
        copying.push(s.copying);
        negative.push(s.negative);
        if (antonymPairs.length > 0) antonym.push(s.antonym!);
      }
      outs.dispose();
      await progress.step();
    }
    const averageHead = await scoreOutputs(model, tf.tidy(() => outSum.div(L * H)), tokens, partner, k);
    await progress.step();
    return {
      kind: 'copy-scores',
      k,
      input,
      tokens: [...tokens],
      shape: [L, H],
      copying,
      negative,
      antonym: antonymPairs.length > 0 ? antonym : undefined,
      averageHead: antonymPairs.length > 0 ? averageHead : { ...averageHead, antonym: undefined },
      chance: k / c.vocabSize,
      convention:
        `x = ${input === 'mlp0' ? 'W_E[t] + MLP0(ln2(W_E[t])) (attention ignored)' : 'W_E[t]'}; ln1 without bias; W_V^h W_O^h without biases; ` +
        'ln_final without bias; unembedding without bias; top/bottom k over the whole vocabulary (ties count for the token)',
    };
  } finally {
    x.dispose();
    outSum.dispose();
  }
}

/** The candidate tokens' residual vectors [N, D] before the OV circuit. */
function residualInput(model: HookedGPT2, tokens: readonly number[], input: CopyInput): Tensor {
  return tf.tidy(() => {
    const e = tf.gather(model.weights.wte, tf.tensor1d([...tokens], 'int32')); // [N, D]
    if (input === 'embed') return e;
    const w = model.weights.blocks[0];
    const hidden = activate(model.config.activation, tf.matMul(layerNorm(model, e, w.ln2), w.wIn!).add(w.bIn!)); // [N, M]
    return e.add(tf.matMul(hidden, w.wOut!).add(w.bOut!)); // [N, D]
  });
}

/** Every head's OV output at layer l for inputs x [N, D]: [H, N, D]. */
export function headOutputs(model: HookedGPT2, x: Tensor, l: number): Tensor {
  const c = model.config;
  const w = model.weights.blocks[l];
  const N = x.shape[0] as number;
  const xn = layerNorm(model, x, w.ln1, false); // [N, D]
  const v = tf.matMul(xn, w.wV).reshape([N, c.nHead, c.dHead]).transpose([1, 0, 2]); // [H, N, dh]
  return tf.matMul(v, w.wO.reshape([c.nHead, c.dHead, c.dModel])); // [H, N, D]
}

/** Unembed OV outputs [N, D] (ln_final without bias) and score them; disposes `out`. */
async function scoreOutputs(model: HookedGPT2, out: Tensor, tokens: readonly number[], partner: readonly number[], k: number): Promise<HeadScores> {
  const N = tokens.length;
  const V = model.config.vocabSize;
  const counts = tf.tidy(() => {
    const logits = tf.matMul(layerNorm(model, out, model.weights.lnF, false), model.weights.unembed, false, true); // [N, V]
    const flat = logits.reshape([N * V]); // [N*V]
    const ownLogit = tf.gather(flat, tf.tensor1d(tokens.map((t, i) => i * V + t), 'int32')).reshape([N, 1]); // [N, 1]
    const partnerIds = partner.map((p, i) => i * V + tokens[p >= 0 ? p : i]);
    const partnerLogit = tf.gather(flat, tf.tensor1d(partnerIds, 'int32')).reshape([N, 1]); // [N, 1]
    const above = logits.greater(ownLogit).toFloat().sum(1); // [N]
    const below = logits.less(ownLogit).toFloat().sum(1); // [N]
    const abovePartner = logits.greater(partnerLogit).toFloat().sum(1); // [N]
    return tf.stack([above, below, abovePartner]); // [3, N]
  });
  out.dispose();
  const data = await counts.data();
  counts.dispose();
  let copy = 0;
  let neg = 0;
  let anti = 0;
  let pairs = 0;
  for (let i = 0; i < N; i++) {
    if (data[i] < k) copy++;
    if (data[N + i] < k) neg++;
    if (partner[i] >= 0) {
      pairs++;
      if (data[2 * N + i] < k) anti++;
    }
  }
  return { copying: copy / N, negative: neg / N, antonym: pairs > 0 ? anti / pairs : undefined };
}
