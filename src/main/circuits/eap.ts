/**
 * Edge attribution patching. EAP (Syed et al. 2023) scores every edge at once with the
 * first-order estimate of removing it:
 *     score(s -> r) = Σ_{rows, positions} (ablated_s - clean_s) . dM/d(input of r)
 * (two forwards and one backward). EAP-IG (Hanna et al. 2024) replaces the clean gradient by its
 * average over m points on the straight path between the ablated and the clean input embeddings
 * (input = ablated + k/m (clean - ablated), k = 1..m), which is far more faithful where attention
 * saturates. With m = 1 EAP-IG is EAP.
 *
 * Gradients are taken with respect to zero probes added at every receiver input (the engine's
 * q/k/v input hooks, mlp_in and the final residual), never through the embedding gather, so this
 * runs on every backend. The unembedding of the last position is done here with slice + matMul
 * (the engine's 'last' unembedding uses gather, whose gradient wasm lacks).
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import type { Hook } from '../engine/hookRunner';
import { tf, type Tensor } from '../engine/tf';
import { metricFor, type MetricKind } from '../analysis/metrics';
import { AnalysisError, Progress, type AnalysisOptions } from '../analysis/progress';
import { chunkGroup, type PromptBatch, type PromptGroup } from '../analysis/promptBatch';
import { ablatedOutputs, groupSenderMeans, type AblationKind, type MeanReference, type SenderMeans } from './ablation';
import { ModelGraph } from './graph';

export interface AttributionOptions extends AnalysisOptions {
  metric?: MetricKind;
  ablation?: AblationKind;
  meanReference?: MeanReference;
  /** EAP-IG steps m (undefined or 0: plain EAP). */
  steps?: number;
  /** Rows per backward pass (memory); default: as many as fit in maxRowTokens. */
  maxGroupRows?: number;
  /**
   * Rows x positions per backward pass; default 128. Memory grows with it: GPT-2 small at 8 x 16
   * reaches a 3.1 GiB wasm heap high-water mark (of the 4 GiB wasm32 limit).
   */
  maxRowTokens?: number;
}

export interface AttributionResult {
  method: 'eap' | 'eap-ig';
  steps: number;
  metric: MetricKind;
  ablation: AblationKind;
  graph: ModelGraph;
  /** One score per edge in canonical order: the estimated change of the metric when the edge is removed. */
  scores: Float32Array;
  prompts: number;
  /** Forward+backward passes made. */
  passes: number;
}

export async function edgeAttribution(model: HookedGPT2, batch: PromptBatch, opts: AttributionOptions = {}): Promise<AttributionResult> {
  const graph = ModelGraph.forConfig(model.config);
  const steps = opts.steps ?? 0;
  if (!Number.isInteger(steps) || steps < 0) throw new AnalysisError(`EAP-IG steps must be a non-negative integer, got ${steps}`);
  const ablation = opts.ablation ?? 'corrupted';
  const metricKind = opts.metric ?? 'logit-diff';
  const rowsFor = (g: PromptGroup): number => opts.maxGroupRows ?? Math.max(1, Math.floor((opts.maxRowTokens ?? 128) / g.length));
  const chunks = batch.groups.flatMap((g) => chunkGroup(g, rowsFor(g)).map((chunk) => ({ whole: g, chunk })));
  const passesPerChunk = Math.max(1, steps);
  const progress = new Progress(chunks.length * passesPerChunk, opts);
  const scores = new Float64Array(graph.edgeCount);
  // A mean ablation averages over the whole length group, whatever the chunking.
  let means: { whole: PromptGroup; values: SenderMeans } | undefined;
  try {
    for (const { whole, chunk: group } of chunks) {
      progress.check();
      const weight = group.rows.length / batch.size;
      if (ablation === 'mean' && means?.whole !== whole) {
        means?.values.dispose();
        means = { whole, values: groupSenderMeans(model, whole, opts.meanReference ?? 'corrupted', rowsFor(whole)) };
      }
      const abl = ablatedOutputs(model, group, ablation, means?.values);
      try {
        const senderDiffs = tf.tidy(() => senderDifferences(model, group, abl.input, abl.heads, abl.mlps)); // [S, N]
        try {
          let gradSum: Tensor | undefined; // [R, N]
          for (let k = 1; k <= passesPerChunk; k++) {
            progress.check();
            const alpha = steps === 0 ? undefined : k / steps;
            const g = receiverGradients(model, group, metricKind, abl.cleanLogits, alpha === undefined ? undefined : { alpha, clean: abl.cleanInput, ablated: abl.input }); // [R, N]
            if (gradSum) {
              const next = gradSum.add(g);
              tf.dispose([gradSum, g]);
              gradSum = next;
            } else {
              gradSum = g;
            }
            await progress.step();
          }
          const edgeMatrix = tf.tidy(() => tf.matMul(gradSum!, senderDiffs, false, true).div(passesPerChunk)); // [R, S]
          gradSum!.dispose();
          const m = (await edgeMatrix.data()) as Float32Array;
          edgeMatrix.dispose();
          const S = graph.senderCount;
          for (let r = 0; r < graph.slotCount; r++) {
            const start = graph.slotEdgeStart[r];
            for (let s = 0; s < graph.slotSenderCount[r]; s++) scores[start + s] += weight * m[r * S + s];
          }
        } finally {
          senderDiffs.dispose();
        }
      } finally {
        abl.dispose();
      }
    }
  } finally {
    means?.values.dispose();
  }
  return {
    method: steps === 0 ? 'eap' : 'eap-ig',
    steps: Math.max(1, steps),
    metric: metricKind,
    ablation,
    graph,
    scores: Float32Array.from(scores),
    prompts: batch.size,
    passes: chunks.length * passesPerChunk,
  };
}

/** (ablated - clean) output of every sender, in node order: [S, B*T*D]. Call inside tidy. */
function senderDifferences(model: HookedGPT2, group: PromptGroup, ablInput: Tensor, ablHeads: Tensor[], ablMlps: Tensor[]): Tensor {
  const c = model.config;
  const names = ['hook_embed', 'hook_pos_embed'];
  for (let l = 0; l < c.nLayer; l++) {
    names.push(blockHook(l, 'attn.hook_result'));
    if (!c.attnOnly) names.push(blockHook(l, 'hook_mlp_out'));
  }
  const { logits, cache } = model.runWithCache(group.clean, names, { logits: 'none' });
  logits?.dispose();
  try {
    const [B, T] = [group.rows.length, group.length];
    const D = c.dModel;
    const H = c.nHead;
    const N = B * T * D;
    const rows: Tensor[] = [];
    const cleanInput = cache.get('hook_embed').add(cache.get('hook_pos_embed')); // [B, T, D]
    rows.push(broadcastRows(ablInput, B).sub(cleanInput).reshape([1, N])); // [1, N]
    for (let l = 0; l < c.nLayer; l++) {
      const d = broadcastRows(ablHeads[l], B).sub(cache.get(blockHook(l, 'attn.hook_result'))); // [B, T, H, D]
      rows.push(d.transpose([2, 0, 1, 3]).reshape([H, N])); // [H, N]
      if (!c.attnOnly) rows.push(broadcastRows(ablMlps[l], B).sub(cache.get(blockHook(l, 'hook_mlp_out'))).reshape([1, N])); // [1, N]
    }
    return tf.concat(rows, 0); // [S, N]
  } finally {
    cache.dispose();
  }
}

/** [1, ...] -> [B, ...] (ablations that are the same for every row). */
function broadcastRows(x: Tensor, B: number): Tensor {
  return x.shape[0] === B ? x : tf.broadcastTo(x, [B, ...x.shape.slice(1)]);
}

/**
 * d metric / d (input of every receiver slot), in slot order: [R, B*T*D]. With `interpolate`,
 * the input embeddings are ablated + alpha (clean - ablated) (EAP-IG); otherwise clean.
 *
 * In an unpatched run every head's q, k and v input is the block's residual stream, so the
 * gradient at a head's q input is ln1's backward applied to (dM/dq_h) W_Q^h^T. Probing q, k, v
 * after the projections (attn.hook_q|k|v) and applying LayerNorm's backward here, in closed
 * form, keeps the forward on the engine's fused path: the split q/k/v-input path would cost a
 * stacked [B, T, 3, H, D] copy whose backward (Unpack) is slow on wasm.
 */
function receiverGradients(
  model: HookedGPT2,
  group: PromptGroup,
  metricKind: MetricKind,
  cleanLogits: Tensor,
  interpolate: { alpha: number; clean: Tensor; ablated: Tensor } | undefined,
): Tensor {
  const c = model.config;
  const { nLayer: L, nHead: H, dModel: D, dHead: dh } = c;
  const [B, T] = [group.rows.length, group.length];
  const N = B * T * D;
  const metric = metricFor(metricKind, group, cleanLogits);
  const hasNorm = c.normalization !== 'none';
  return tf.tidy(() => {
    const probes: Tensor[] = [];
    const probeNames: string[] = [];
    for (let l = 0; l < L; l++) {
      for (const s of ['attn.hook_q', 'attn.hook_k', 'attn.hook_v']) {
        probes.push(tf.zeros([B, T, H, dh]));
        probeNames.push(blockHook(l, s));
      }
      if (!c.attnOnly) {
        probes.push(tf.zeros([B, T, D]));
        probeNames.push(blockHook(l, 'hook_mlp_in'));
      }
    }
    probes.push(tf.zeros([B, T, D]));
    probeNames.push(blockHook(L - 1, 'hook_resid_post'));
    const finalName = hasNorm ? 'ln_final.hook_normalized' : blockHook(L - 1, 'hook_resid_post');
    const lnNames = hasNorm ? Array.from({ length: L }, (_, l) => [blockHook(l, 'hook_resid_pre'), blockHook(l, 'ln1.hook_scale')]).flat() : [];
    let target: Tensor | undefined;
    if (interpolate) target = interpolate.ablated.add(interpolate.clean.sub(interpolate.ablated).mul(interpolate.alpha)); // [B|1, T, D]

    const kept = new Map<string, Tensor>();
    const f = (...ps: Tensor[]): Tensor => {
      const hooks: Hook[] = probeNames.map((name, i) => ({ name, fn: (x: Tensor) => x.add(ps[i]) }));
      if (target) {
        let tok: Tensor | undefined;
        hooks.push({ name: 'hook_embed', fn: (x) => void (tok = x) });
        hooks.push({ name: 'hook_pos_embed', fn: () => broadcastRows(target!, B).sub(tok!) }); // tok + pos = target
      }
      const { cache } = model.runWithCache(group.clean, [finalName, ...lnNames], { logits: 'none' }, hooks);
      for (const n of lnNames) kept.set(n, cache.get(n));
      const normalized = cache.get(finalName); // [B, T, D]
      kept.set(finalName, normalized);
      const last = normalized.slice([0, T - 1, 0], [B, 1, D]).reshape([B, D]); // [B, D]
      // [V, D] x [B, D]^T, transposed: the big matrix stays the left operand in both directions.
      let logits = tf.matMul(model.weights.unembed, last, false, true).transpose(); // [B, V]
      if (model.weights.unembedBias) logits = logits.add(model.weights.unembedBias);
      return metric(logits); // scalar
    };
    const grads = tf.grads(f)(probes); // per probe, same shape
    const rows: Tensor[] = [];
    let i = 0;
    for (let l = 0; l < L; l++) {
      const w = model.weights.blocks[l];
      const perInput = [w.wQ, w.wK, w.wV].map((wp, j) => {
        const g = grads[i + j].reshape([B * T, H, dh]).transpose([1, 0, 2]); // [H, BT, dh]
        const wh = wp.reshape([D, H, dh]).transpose([1, 2, 0]); // [H, dh, D]
        const gn = tf.matMul(g, wh).transpose([1, 0, 2]).reshape([B, T, H, D]); // dM/d(normalized input) [B, T, H, D]
        return hasNorm ? layerNormBackward(gn, kept.get(blockHook(l, 'hook_resid_pre'))!, kept.get(blockHook(l, 'ln1.hook_scale'))!, w.ln1?.w) : gn; // [B, T, H, D]
      });
      i += 3;
      rows.push(tf.stack(perInput, 3).transpose([2, 3, 0, 1, 4]).reshape([3 * H, N])); // [3H, N] head-major, then q/k/v
      if (!c.attnOnly) rows.push(grads[i++].reshape([1, N])); // [1, N]
    }
    rows.push(grads[i].reshape([1, N])); // [1, N]
    for (const t of kept.values()) t.dispose();
    return tf.concat(rows, 0); // [R, N]
  });
}

/**
 * LayerNorm's backward in closed form: for y = (x - mean) / s (s = sqrt(var + eps)) scaled by w,
 * dM/dx = (g - mean(g) - y mean(g y)) / s with g = w * dM/d(output). gOut [B, T, H, D] (one
 * gradient per head), x [B, T, D], scale s [B, T, 1], w [D] or undefined (LNPre).
 */
function layerNormBackward(gOut: Tensor, x: Tensor, scale: Tensor, w: Tensor | undefined): Tensor {
  const y = x.sub(x.mean(-1, true)).div(scale).expandDims(2); // [B, T, 1, D]
  const g = w ? gOut.mul(w) : gOut; // [B, T, H, D]
  const s = scale.expandDims(2); // [B, T, 1, 1]
  return g.sub(g.mean(-1, true)).sub(y.mul(g.mul(y).mean(-1, true))).div(s); // [B, T, H, D]
}
