/**
 * Direct logit attribution (outline step 1): the final-position logit difference split exactly
 * into what each component writes into the residual stream, projected through ln_final with the
 * final LayerNorm scale of the real run frozen (the scale is a property of the whole residual;
 * freezing it is what makes the split linear and exact):
 *
 *   logit diff = sum over components c of  c_last . e / s  +  ln_final.b . dir + ub[c] - ub[i]
 *
 * with dir = U[correct] - U[incorrect], e = dir * ln_final.w centred, s = ln_final scale at the
 * last position. Components: token embedding, position embedding, each head (z_h W_O^h), each
 * layer's b_O, each MLP's neurons (post W_out) and each MLP's b_out, plus the constant.
 * Per head by position: a head's output at the last position is sum_s pattern[s] v_s W_O^h, so
 * it splits exactly over the source positions s it reads from.
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import { tf, type Tensor } from '../engine/tf';
import { answerDirections, constantTerm, effectiveDirections, unembedBiasDiff } from './answerDirection';
import { logitDiffPerPrompt } from './metrics';
import { Progress, type AnalysisOptions } from './progress';
import type { PromptBatch, PromptGroup } from './promptBatch';
import { lastPosition, mean, rowsOf } from './tensorUtil';
import type { PromptSide } from './logitLens';

export interface DlaByPosition {
  length: number;
  /** Token labels of the group's first prompt (templates of one length usually align). */
  positions: string[];
  /** [L, H, T] mean over the group's prompts of each head's contribution by source position. */
  shape: [number, number, number];
  values: number[];
  prompts: number;
}

export interface DlaResult {
  kind: 'dla';
  side: PromptSide;
  convention: string;
  /** Component labels, in the order of the per-prompt rows. */
  components: string[];
  /** [N][C] per item in dataset order; mean over items [C]. */
  perPrompt: number[][];
  mean: number[];
  /** [L, H] mean head contributions (row-major), and per layer: heads + b_O, MLP neurons + b_out. */
  heads: { shape: [number, number]; values: number[] };
  attnLayers: number[];
  mlpLayers: number[];
  /** Per item: the model's logit difference and the sum of the components (equal up to fp32). */
  logitDiff: number[];
  sumOfComponents: number[];
  byPosition: DlaByPosition[];
}

export function dlaComponentLabels(model: HookedGPT2): string[] {
  const c = model.config;
  const labels = ['embed', 'pos_embed'];
  for (let l = 0; l < c.nLayer; l++) {
    for (let h = 0; h < c.nHead; h++) labels.push(`L${l}H${h}`);
    labels.push(`L${l} b_O`);
    if (!c.attnOnly) labels.push(`L${l} MLP`, `L${l} b_out`);
  }
  labels.push('ln_final.b + unembed bias');
  return labels;
}

export async function directLogitAttribution(
  model: HookedGPT2,
  batch: PromptBatch,
  opts: AnalysisOptions & { side?: PromptSide } = {},
  positionLabelsOf?: (ids: number[]) => string[],
): Promise<DlaResult> {
  const side = opts.side ?? 'clean';
  const c = model.config;
  const labels = dlaComponentLabels(model);
  const C = labels.length;
  const perPrompt = new Array<number[]>(batch.size);
  const logitDiff = new Array<number>(batch.size);
  const byPosition: DlaByPosition[] = [];
  const progress = new Progress(batch.groups.length, opts);
  for (const g of batch.groups) {
    progress.check();
    const out = dlaForGroup(model, g, side);
    const comps = rowsOf(await out.components.data(), C);
    const actual = await out.logitDiff.data();
    const pos = await out.byPosition.data();
    tf.dispose([out.components, out.logitDiff, out.byPosition]);
    g.rows.forEach((row, i) => {
      perPrompt[row] = comps[i];
      logitDiff[row] = actual[i];
    });
    const T = g.length;
    byPosition.push({
      length: T,
      positions: positionLabelsOf ? positionLabelsOf(g[side][0]) : Array.from({ length: T }, (_, t) => String(t)),
      shape: [c.nLayer, c.nHead, T],
      values: Array.from(pos),
      prompts: g.rows.length,
    });
    await progress.step();
  }
  const meanRow = Array.from({ length: C }, (_, k) => mean(perPrompt.map((r) => r[k])));
  const index = new Map(labels.map((l, i) => [l, i]));
  const heads: number[] = [];
  const attnLayers: number[] = [];
  const mlpLayers: number[] = [];
  for (let l = 0; l < c.nLayer; l++) {
    let attn = meanRow[index.get(`L${l} b_O`)!];
    for (let h = 0; h < c.nHead; h++) {
      const v = meanRow[index.get(`L${l}H${h}`)!];
      heads.push(v);
      attn += v;
    }
    attnLayers.push(attn);
    if (!c.attnOnly) mlpLayers.push(meanRow[index.get(`L${l} MLP`)!] + meanRow[index.get(`L${l} b_out`)!]);
  }
  const convention =
    c.normalization === 'none'
      ? 'no final LayerNorm: components are projected on the answer direction directly'
      : 'frozen LayerNorm scale: every component is centred, divided by the final LayerNorm scale of the real run at the last position and multiplied by ln_final.w; ln_final.b and the unembedding bias form the constant component';
  return {
    kind: 'dla',
    side,
    convention,
    components: labels,
    perPrompt,
    mean: meanRow,
    heads: { shape: [c.nLayer, c.nHead], values: heads },
    attnLayers,
    mlpLayers,
    logitDiff,
    sumOfComponents: perPrompt.map((r) => r.reduce((a, b) => a + b, 0)),
    byPosition,
  };
}

/** Components [B, C], actual logit differences [B], and the by-position head table [L, H, T] (mean over rows). */
function dlaForGroup(model: HookedGPT2, g: PromptGroup, side: PromptSide): { components: Tensor; logitDiff: Tensor; byPosition: Tensor } {
  const c = model.config;
  const H = c.nHead;
  const dh = c.dHead;
  const D = c.dModel;
  const wanted = ['hook_embed', 'hook_pos_embed', 'ln_final.hook_scale'];
  for (let l = 0; l < c.nLayer; l++) {
    wanted.push(blockHook(l, 'attn.hook_z'), blockHook(l, 'attn.hook_v'), blockHook(l, 'attn.hook_pattern'));
    if (!c.attnOnly) wanted.push(blockHook(l, 'hook_mlp_out'));
  }
  const { logits, cache } = model.runWithCache(g[side], wanted, { logits: 'last' });
  try {
    return tf.tidy(() => {
      const B = g.rows.length;
      const T = g.length;
      const dirs = answerDirections(model, g.correct, g.incorrect); // [B, D]
      let e = effectiveDirections(model, dirs); // [B, D]
      if (cache.has('ln_final.hook_scale')) e = e.div(lastPosition(cache.get('ln_final.hook_scale'))); // [B, D] / [B, 1]
      const project = (x: Tensor): Tensor => x.mul(e).sum(-1); // [B, D] -> [B]
      const cols: Tensor[] = [project(lastPosition(cache.get('hook_embed'))), project(lastPosition(cache.get('hook_pos_embed')))]; // [B] each
      const positionTables: Tensor[] = [];
      for (let l = 0; l < c.nLayer; l++) {
        const w = model.weights.blocks[l];
        // W_O^h e per row: [H*dh, D] x [D, B] -> [B, H, dh]
        const headDirs = tf.matMul(w.wO, e, false, true).transpose([1, 0]).reshape([B, H, dh]); // [B, H, dh]
        const zLast = lastPosition(cache.get(blockHook(l, 'attn.hook_z'))); // [B, H, dh]
        cols.push(...tf.unstack(zLast.mul(headDirs).sum(-1), 1)); // H x [B]
        // By source position: pattern[last, s] * (v_s . W_O^h e)
        const v = cache.get(blockHook(l, 'attn.hook_v')); // [B, T, H, dh]
        const vProj = v.mul(headDirs.expandDims(1)).sum(-1).transpose([0, 2, 1]); // [B, H, T]
        const pattern = cache.get(blockHook(l, 'attn.hook_pattern')); // [B, H, Tq, Tk]
        const lastRow = tf.slice(pattern, [0, 0, T - 1, 0], [B, H, 1, T]).reshape([B, H, T]); // [B, H, T]
        positionTables.push(lastRow.mul(vProj).mean(0)); // [H, T]
        cols.push(project(tf.broadcastTo(w.bO.reshape([1, D]), [B, D]))); // [B]
        if (!c.attnOnly) {
          const bOut = tf.broadcastTo(w.bOut!.reshape([1, D]), [B, D]); // [B, D]
          cols.push(project(lastPosition(cache.get(blockHook(l, 'hook_mlp_out'))).sub(bOut)), project(bOut)); // [B] each
        }
      }
      cols.push(constantTerm(model, dirs, unembedBiasDiff(model, g.correct, g.incorrect))); // [B]
      return {
        components: tf.stack(cols, 1), // [B, C]
        logitDiff: logitDiffPerPrompt(logits!, g.correct, g.incorrect), // [B]
        byPosition: tf.stack(positionTables), // [L, H, T]
      };
    });
  } finally {
    logits?.dispose();
    cache.dispose();
  }
}
