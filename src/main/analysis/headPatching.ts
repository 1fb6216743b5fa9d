/**
 * Head-output patching (target 'heads') without hooks: the same numbers as the hooked path of
 * activationPatching, with less arithmetic and fewer, larger operations.
 *
 * Patching head h's z at layer l changes that layer's attention output by exactly
 * (z_source,h - z_base,h) W_O,h, so a patched run starts at layer l's resid_mid (the base run's
 * resid_pre + attn_out, cached) plus that difference: layer l's attention is not recomputed.
 * The heads of a layer (up to `perRun` of them) run as copies along the batch axis, so every
 * projection is one plain 2-D matMul (the only kind tfjs-wasm sends to XNNPACK). The final
 * layer's queries and MLP run at the last position only (the metric reads nothing else), and
 * the logit difference is read as a dot product with each row's answer direction
 * W_U[correct] - W_U[incorrect] instead of unembedding the whole vocabulary. Positions before
 * the first one where clean and corrupted tokens differ are the same in every run (attention is
 * causal): patched runs compute only the later ones and read the prefix's keys and values from
 * the base run's cache.
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import { tf, type Tensor } from '../engine/tf';
import { atPosition, take } from '../engine/take';
import { causalMaskBias } from '../engine/layers';
import { layerNorm, slotLogits, slotMlp } from '../circuits/slotForward';
import { metricFor, perCopy, type MetricKind } from './metrics';
import type { Progress } from './progress';
import type { PromptGroup } from './promptBatch';

export interface HeadPatchGroupResult {
  /** Metric of every (layer, head) cell, row-major [L, H], for this group (mean over its rows). */
  raw: number[];
  clean: number;
  corrupted: number;
  runs: number;
}

/** Runs of `perRun` heads each over every layer: what the group will cost in progress steps. */
export function headPatchRuns(nLayer: number, nHead: number, perRun: number): number {
  return nLayer * Math.ceil(nHead / perRun);
}

/**
 * Patch every head's z of one prompt group (of the given layers; the others' cells stay 0);
 * `progress` advances 2 for the cached runs, 1 per run.
 */
export async function patchHeadsOfGroup(model: HookedGPT2, g: PromptGroup, direction: 'denoise' | 'noise', metricKind: MetricKind, perRun: number, progress: Progress, layers?: readonly number[]): Promise<HeadPatchGroupResult> {
  const c = model.config;
  const { nLayer: L, nHead: H } = c;
  const names: string[] = [];
  const p0 = sharedPrefix(g);
  for (let l = 0; l < L; l++) {
    names.push(blockHook(l, 'hook_resid_pre'), blockHook(l, 'hook_attn_out'), blockHook(l, 'attn.hook_z'));
    if (p0 > 0) names.push(blockHook(l, 'attn.hook_k'), blockHook(l, 'attn.hook_v'));
  }
  const cleanRun = model.runWithCache(g.clean, names, { logits: 'last' });
  const corruptedRun = model.runWithCache(g.corrupted, names, { logits: 'last' });
  const sw = patchWeights(model, g.length, p0);
  const answers = metricKind === 'logit-diff' ? answerDirections(model, g) : undefined;
  try {
    const metric = metricFor(metricKind, g, cleanRun.logits);
    const [clean, corrupted] = await readScalars([metric(cleanRun.logits!), metric(corruptedRun.logits!)]);
    await progress.step(2);
    const base = direction === 'denoise' ? corruptedRun.cache : cleanRun.cache;
    const source = direction === 'denoise' ? cleanRun.cache : corruptedRun.cache;
    const raw = new Array<number>(L * H).fill(0);
    let runs = 0;
    for (const l of layers ?? Array.from({ length: L }, (_, i) => i)) {
      for (let h0 = 0; h0 < H; h0 += perRun) {
        progress.check();
        const heads = Array.from({ length: Math.min(perRun, H - h0) }, (_, i) => h0 + i);
        const values = tf.tidy(() => {
          const residMid = base.get(blockHook(l, 'hook_resid_pre')).add(base.get(blockHook(l, 'hook_attn_out'))); // [B, T, D]
          const zDiff = source.get(blockHook(l, 'attn.hook_z')).sub(base.get(blockHook(l, 'attn.hook_z'))); // [B, T, H, dh]
          // keys and values of the shared prefix: equal in both runs and in every patched run
          const prefix = (j: number): PrefixKV | undefined =>
            p0 === 0 ? undefined : { k: prefixOf(base.get(blockHook(j, 'attn.hook_k')), p0), v: prefixOf(base.get(blockHook(j, 'attn.hook_v')), p0) };
          const final = patchedFinalResid(model, sw, l, heads, residMid, zDiff, p0, prefix); // [k, B, D]
          return answers ? copyLogitDiff(model, final, answers) : perCopy(metric, slotLogits(model, final, g.rows.length, 1), heads.length); // [k]
        });
        const v = await values.data();
        values.dispose();
        heads.forEach((h, i) => (raw[l * H + h] = v[i]));
        runs++;
        await progress.step();
      }
    }
    return { raw, clean, corrupted, runs };
  } finally {
    cleanRun.cache.dispose();
    corruptedRun.cache.dispose();
    tf.dispose([cleanRun.logits!, corruptedRun.logits!]);
    sw.dispose();
    answers?.dispose();
  }
}

/**
 * Positions before the first one where any row's clean and corrupted tokens differ: their
 * activations are the same in both runs and in every patched run (attention is causal), so
 * patched runs compute only the later positions. At most T - 1: the last position is always run.
 */
export function sharedPrefix(g: Pick<PromptGroup, 'clean' | 'corrupted' | 'length'>): number {
  let p0 = g.length - 1;
  g.clean.forEach((row, b) => {
    const t = row.findIndex((id, i) => id !== g.corrupted[b][i]);
    if (t >= 0) p0 = Math.min(p0, t);
  });
  return p0;
}

/** Keys and values of the shared prefix at one layer: [B, H, p0, dh] each. */
interface PrefixKV {
  k: Tensor;
  v: Tensor;
}

/** [B, T, H, dh] -> its first p0 positions as [B, H, p0, dh]. */
function prefixOf(x: Tensor, p0: number): Tensor {
  const [B, , H, dh] = x.shape as [number, number, number, number];
  return x.slice([0, 0, 0, 0], [B, p0, H, dh]).transpose([0, 2, 1, 3]); // [B, H, p0, dh]
}

/** Constants made once per prompt group (owned; dispose()). */
interface PatchWeights {
  /** Per layer, per head: output projection rows [dh, D]. */
  wOHead: Tensor[][];
  /** Causal mask bias of the computed positions p0..T-1 over all positions: [T - p0, T]. */
  mask: Tensor;
  dispose(): void;
}

function patchWeights(model: HookedGPT2, T: number, p0: number): PatchWeights {
  const { nHead: H, dHead: dh, dModel: D } = model.config;
  const out = tf.tidy(() => ({
    wOHead: model.weights.blocks.map((w) => Array.from({ length: H }, (_, h) => w.wO.slice([h * dh, 0], [dh, D]))), // L x H x [dh, D]
    mask: causalMaskBias(T).slice([p0, 0], [T - p0, T]), // [T - p0, T]
  }));
  return { ...out, dispose: () => tf.dispose([...out.wOHead.flat(), out.mask]) };
}

/**
 * The final residual stream at the last position, [k, B, D], of k runs: copy i has head
 * heads[i] of layer l patched (its z difference zDiff [B, T, H, dh] added through W_O). Only
 * positions p0.. are computed; attention reads the prefix's keys and values from `prefix`.
 */
function patchedFinalResid(model: HookedGPT2, sw: PatchWeights, l: number, heads: number[], residMidAll: Tensor, zDiffAll: Tensor, p0: number, prefix: (j: number) => PrefixKV | undefined): Tensor {
  const c = model.config;
  const { nLayer: L, nHead: H, dHead: dh, dModel: D } = c;
  const B = residMidAll.shape[0] as number;
  const T = (residMidAll.shape[1] as number) - p0; // positions computed
  const residMid = residMidAll.slice([0, p0, 0], [B, T, D]); // [B, T, D]
  const zRows = zDiffAll.slice([0, p0, 0, 0], [B, T, H, dh]).reshape([B * T, H * dh]); // [B*T, H*dh]
  const zByHead = zRows.reshape([B * T, H, dh]); // [B*T, H, dh]
  const deltas = heads.map((h) => tf.matMul(take(zByHead, 1, h).reshape([B * T, dh]), sw.wOHead[l][h])); // k x [B*T, D]
  let resid = residMid.reshape([1, B * T, D]).add(tf.stack(deltas)); // [k, B*T, D]
  const k = heads.length;
  for (let j = l; j < L; j++) {
    const last = j === L - 1;
    const input = resid;
    // one scope per layer: the peak is one layer's intermediates for all k copies
    resid = tf.tidy(() => {
      let x = input; // [k, B*T, D]
      if (j > l) {
        const attnOut = attention(model, sw, j, x, B, T, last, prefix(j)); // [k, B*Tq, D]
        x = (last ? lastPosition(x, B, T) : x).add(attnOut); // [k, B*Tq, D]
      } else if (last) {
        x = lastPosition(x, B, T); // [k, B, D]: the MLP of the final layer feeds only the logits
      }
      return c.attnOnly ? x : x.add(slotMlp(model, j, x)); // [k, B*Tq, D]
    });
  }
  return resid.reshape([k, B, D]); // [k, B, D]
}

/** [k, B*T, D] -> [k, B, D] at position T - 1. */
function lastPosition(x: Tensor, B: number, T: number): Tensor {
  const [k, , D] = x.shape as [number, number, number];
  return atPosition(x, T, T - 1).reshape([k, B, D]); // [k, B, D]
}

/**
 * Unpatched attention of layer j over k copies, resid [k, B*T, D] of the T computed positions ->
 * attention output with b_O [k, B*Tq, D]; with `lastQuery` only the last position queries
 * (Tq = 1). Keys and values of the shared prefix come from `prefix`. The q, k and v projections
 * are 2-D matMuls (queries at the last position only); the scores of all heads one batched matMul.
 */
function attention(model: HookedGPT2, sw: PatchWeights, j: number, resid: Tensor, B: number, T: number, lastQuery: boolean, prefix: PrefixKV | undefined): Tensor {
  const c = model.config;
  const { nHead: H, dHead: dh, dModel: D } = c;
  const w = model.weights.blocks[j];
  const k = resid.shape[0] as number;
  const N = k * B; // rows over all copies
  const x = layerNorm(c, resid, w.ln1).reshape([N * T, D]); // [N*T, D]
  const Tq = lastQuery ? 1 : T;
  const xq = lastQuery ? atPosition(x, T, T - 1) : x; // [N*Tq, D]
  // three 2-D projections and 4-D transposes: a 5-D transpose of a fused q|k|v is ~50x slower on wasm
  const heads = (y: Tensor, n: number): Tensor => y.reshape([N, n, H, dh]).transpose([0, 2, 1, 3]); // [N, H, n, dh]
  const q = heads(tf.matMul(xq, w.wQ).add(w.bQ), Tq); // [N, H, Tq, dh]
  // the prefix's [B, H, p0, dh] is the same for every copy: broadcast to the N rows, then the computed positions after it
  const withPrefix = (y: Tensor, pre: Tensor | undefined): Tensor =>
    pre ? tf.concat([tf.broadcastTo(pre.expandDims(0), [k, ...pre.shape]).reshape([N, H, pre.shape[2] as number, dh]), y], 2) : y; // [N, H, p0 + T, dh]
  const kk = withPrefix(heads(tf.matMul(x, w.wK).add(w.bK), T), prefix?.k); // [N, H, p0 + T, dh]
  const v = withPrefix(heads(tf.matMul(x, w.wV).add(w.bV), T), prefix?.v); // [N, H, p0 + T, dh]
  let scores = tf.matMul(q, kk, false, true).div(Math.sqrt(dh)); // [N, H, Tq, p0 + T]
  if (!lastQuery) scores = scores.add(sw.mask); // the last query sees every position
  const z = tf.matMul(tf.softmax(scores), v).transpose([0, 2, 1, 3]).reshape([N * Tq, D]); // [N*Tq, H*dh]
  return tf.matMul(z, w.wO).add(w.bO).reshape([k, B * Tq, D]); // [k, B*Tq, D]
}

interface AnswerDirections {
  /** W_U[correct] - W_U[incorrect] per row: [B, D]. */
  dirs: Tensor;
  /** b_U[correct] - b_U[incorrect] per row, [B], when the unembedding has a bias. */
  bias: Tensor | undefined;
  dispose(): void;
}

function answerDirections(model: HookedGPT2, g: PromptGroup): AnswerDirections {
  const { unembed, unembedBias } = model.weights;
  const dirs = tf.tidy(() => tf.gather(unembed, tf.tensor1d(g.correct, 'int32')).sub(tf.gather(unembed, tf.tensor1d(g.incorrect, 'int32')))); // [B, D]
  const bias = unembedBias ? tf.tidy(() => tf.gather(unembedBias, tf.tensor1d(g.correct, 'int32')).sub(tf.gather(unembedBias, tf.tensor1d(g.incorrect, 'int32')))) : undefined; // [B]
  return { dirs, bias, dispose: () => tf.dispose(bias ? [dirs, bias] : [dirs]) };
}

/** Mean logit difference per copy of the final residual [k, B, D] -> [k]: ln_f, then each row's answer direction. */
function copyLogitDiff(model: HookedGPT2, final: Tensor, a: AnswerDirections): Tensor {
  const perRow = layerNorm(model.config, final, model.weights.lnF).mul(a.dirs).sum(-1); // [k, B]
  return (a.bias ? perRow.add(a.bias) : perRow).mean(1); // [k]
}

export async function readScalars(ts: Tensor[]): Promise<number[]> {
  const out: number[] = [];
  for (const t of ts) {
    out.push((await t.data())[0]);
    t.dispose();
  }
  return out;
}
