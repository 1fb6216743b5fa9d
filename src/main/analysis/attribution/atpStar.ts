/**
 * AtP* node attribution patching (Kramár et al. 2024), then exact verification: estimate every
 * cell of a patching target at once (see estimates.ts), rank the cells by the estimate's
 * magnitude (GradDrop's magnitude where larger), patch only the top k exactly with
 * `activationPatching`, and state what the skipped cells could still contribute.
 *
 * The result has exact patching's layout (axes, shape, labels, values, raw, baseline) with the
 * AtP* estimates in it, so it shows wherever patching results show; `attribution` carries the
 * plain and GradDrop numbers, the verified cells with their exact values, the bound and the cost.
 */
import type { HookedGPT2 } from '../../engine/model';
import { normalisedMetric, type MetricKind } from '../metrics';
import { activationPatching, PATCH_DIRECTIONS, PATCH_TARGETS, targetCells, type PatchOptions, type PatchResult, type PatchTarget } from '../patching';
import { AnalysisError, Progress } from '../progress';
import type { PromptBatch } from '../promptBatch';
import { atpEstimates, planEstimates, qkFixApplies } from './estimates';
import { COST_CONVENTION, estimationCost, exactCost, type CostReport } from '../../../shared/metrics/forwardEquivalents';

export { atpEstimates } from './estimates';

export interface AtpOptions extends PatchOptions {
  /** Recompute the softmax exactly for q and k targets (default true). */
  qkFix?: boolean;
  /** GradDrop's L extra gradient estimates for the ranking (default true). */
  gradDrop?: boolean;
  /** Cells verified by exact patching, top first by score (default 10; 0: none). */
  verifyTop?: number;
  /** Rows x positions per gradient pass (memory); default 256. */
  gradRowTokens?: number;
}

export interface VerifiedCell {
  /** Flat index into values/raw (layer-major). */
  cell: number;
  /** The node in the workbench's names (L2H3, MLP2 @ 4:tok, ...). */
  node: string;
  /** AtP* estimate of the change of the metric (metric units). */
  estimate: number;
  /** Exact patching's change of the metric (metric units). */
  exact: number;
  estimateNormalised: number;
  exactNormalised: number;
}

export interface AttributionReport {
  qkFix: boolean;
  gradDrop: boolean;
  /** Plain AtP per cell: estimated change of the metric (metric units). */
  plain: number[];
  /** AtP* (QK fix) per cell: estimated change of the metric (metric units); values/raw are built from it. */
  estimate: number[];
  /** GradDrop magnitude per cell (metric units), or null without GradDrop. */
  gradDropMagnitude: number[] | null;
  /** Ranking score per cell: max(|estimate|, GradDrop magnitude) (metric units). */
  score: number[];
  verified: VerifiedCell[];
  bound: {
    /** The largest score among the cells not verified (metric units; 0 when every cell was verified). */
    skippedMaxScore: number;
    /** The largest |exact − estimate| among the verified cells (metric units). */
    observedError: number;
    /** skippedMaxScore + observedError (metric units). */
    effect: number;
    /** effect / |clean − corrupted| (fraction of the clean-corrupted gap). */
    normalised: number;
    skipped: number;
  };
  /** Cost in forward-equivalents (convention inside), AtP* against exact patching of every cell. */
  forwardEquivalents: CostReport;
  description: string;
}

export interface AttributionPatchResult extends PatchResult {
  method: 'atp*';
  attribution: AttributionReport;
}

export async function attributionPatching(model: HookedGPT2, batch: PromptBatch, opts: AtpOptions): Promise<AttributionPatchResult> {
  const c = model.config;
  const { target } = opts;
  if (!PATCH_TARGETS.includes(target)) throw new AnalysisError(`unknown patching target ${JSON.stringify(target)} (one of ${PATCH_TARGETS.join(', ')})`);
  if (target === 'mlp' && c.attnOnly) throw new AnalysisError('the model is attention-only: it has no MLP outputs to patch');
  const direction = opts.direction ?? 'denoise';
  if (!PATCH_DIRECTIONS.includes(direction)) throw new AnalysisError(`unknown patching direction ${JSON.stringify(direction)} (denoise or noise)`);
  const verifyTop = opts.verifyTop ?? 10;
  if (!Number.isInteger(verifyTop) || verifyTop < 0) throw new AnalysisError(`verifyTop must be a non-negative integer, got ${verifyTop}`);
  const metric: MetricKind = opts.metric ?? 'logit-diff';
  const qkFix = opts.qkFix ?? true;
  const gradDrop = (opts.gradDrop ?? true) && c.nLayer >= 2;
  const L = c.nLayer;

  const estOpts = { target, direction, metric, qkFix, gradDrop, gradRowTokens: opts.gradRowTokens };
  const plan = planEstimates(model, batch, estOpts);
  const estUnits = plan.units;
  const verifyUnits = verifyTop > 0 ? plan.groups.length * (verifyTop + 2) : 0;
  const progress = new Progress(estUnits + verifyUnits, opts);
  const est = await atpEstimates(model, batch, estOpts, progress);
  const { baseline, cellsPerLayer } = est;
  const baseMetric = direction === 'denoise' ? baseline.corrupted : baseline.clean;
  const n = est.estimate.length;
  const score = Array.from(est.estimate, (e, i) => Math.max(Math.abs(e), est.gradDrop?.[i] ?? 0));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b] - score[a] || a - b);
  const top = order.slice(0, Math.min(verifyTop, n));

  // Exact patching of the top cells only, with the same engine path (and the same batching) as a full run.
  let exact: PatchResult | undefined;
  if (top.length > 0) {
    progress.check();
    exact = await activationPatching(model, batch, {
      ...opts,
      target,
      direction,
      metric,
      cells: top,
      onProgress: (d, t) => opts.onProgress?.(estUnits + d, estUnits + t),
    });
  }
  const raw = Array.from(est.estimate, (e) => baseMetric + e);
  const values = raw.map((v) => normalisedMetric(v, baseline.clean, baseline.corrupted));
  const labels = exact?.labels ?? layoutLabels(model, est.groups[0].clean[0], opts, target, cellsPerLayer);
  const verified: VerifiedCell[] = top.map((cell) => ({
    cell,
    node: nodeName(target, cell, cellsPerLayer, c.nHead, labels),
    estimate: est.estimate[cell],
    exact: exact!.raw[cell] - baseMetric,
    estimateNormalised: values[cell],
    exactNormalised: exact!.values[cell],
  }));
  const skipped = order.slice(top.length);
  const skippedMaxScore = skipped.length ? score[skipped[0]] : 0;
  const observedError = verified.reduce((m, v) => Math.max(m, Math.abs(v.exact - v.estimate)), 0);
  const gap = Math.abs(baseline.clean - baseline.corrupted);
  const bound = { skippedMaxScore, observedError, effect: skippedMaxScore + observedError, normalised: gap === 0 ? Number.NaN : (skippedMaxScore + observedError) / gap, skipped: skipped.length };
  const estimation = estimationCost(L, { qkFix: qkFix && qkFixApplies(target), gradDrop });
  const verification = exactCost(L, cellsPerLayer, top);
  const cost: CostReport = { estimation, verification, total: estimation + verification, exactAll: exactCost(L, cellsPerLayer), convention: COST_CONVENTION };
  const T = est.groups[0].length;
  const { axes, hookPoint } = targetCells(target, c.nHead, T);
  const shape = axes.map((a) => (a === 'layer' ? L : a === 'head' ? c.nHead : T));
  const attribution: AttributionReport = {
    qkFix,
    gradDrop,
    plain: Array.from(est.plain),
    estimate: Array.from(est.estimate),
    gradDropMagnitude: est.gradDrop ? Array.from(est.gradDrop) : null,
    score,
    verified,
    bound,
    forwardEquivalents: cost,
    description: describe({ target, qkFix, gradDrop, verified: top.length, n, bound, cost, metric, direction }),
  };
  return {
    kind: 'patch',
    method: 'atp*',
    target,
    direction,
    metric,
    axes,
    shape,
    labels,
    values,
    raw,
    baseline,
    prompts: est.groups.reduce((s, g) => s + g.rows.length, 0),
    runs: exact?.runs ?? 0,
    hookPoint,
    attribution,
  };
}

/** Axis labels when nothing was verified (exact patching's labels otherwise). */
function layoutLabels(model: HookedGPT2, firstPrompt: number[], opts: AtpOptions, target: string, cellsPerLayer: number): Record<string, string[]> {
  const { nLayer: L, nHead: H } = model.config;
  const labels: Record<string, string[]> = { layer: Array.from({ length: L }, (_, l) => `L${l}`) };
  const headed = ['heads', 'head-pos', 'q', 'k', 'v', 'pattern'].includes(target);
  if (headed) labels.head = Array.from({ length: H }, (_, h) => `H${h}`);
  if (!headed || target === 'head-pos') {
    const T = target === 'head-pos' ? cellsPerLayer / H : cellsPerLayer;
    labels.position = opts.positionLabels ? opts.positionLabels(firstPrompt) : Array.from({ length: T }, (_, t) => String(t));
  }
  return labels;
}

/** A cell's node in the workbench's names: L2H3, L2H3.q, L2H3 @ 4:tok, MLP2 @ 4:tok, resid L2 @ 4:tok. */
function nodeName(target: string, cell: number, cellsPerLayer: number, H: number, labels: Record<string, string[]>): string {
  const l = Math.floor(cell / cellsPerLayer);
  const i = cell % cellsPerLayer;
  const pos = (t: number): string => labels.position?.[t] ?? String(t);
  switch (target) {
    case 'heads':
      return `L${l}H${i}`;
    case 'q':
    case 'k':
    case 'v':
      return `L${l}H${i}.${target}`;
    case 'pattern':
      return `L${l}H${i} pattern`;
    case 'head-pos': {
      const T = cellsPerLayer / H;
      return `L${l}H${Math.floor(i / T)} @ ${pos(i % T)}`;
    }
    case 'mlp':
      return `MLP${l} @ ${pos(i)}`;
    case 'attn':
      return `Attn${l} @ ${pos(i)}`;
    default:
      return `resid L${l} @ ${pos(i)}`;
  }
}

function describe(a: { target: PatchTarget; qkFix: boolean; gradDrop: boolean; verified: number; n: number; bound: AttributionReport['bound']; cost: CostReport; metric: MetricKind; direction: string }): string {
  const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(3) : String(x));
  const parts = [
    `AtP* estimates of patching each of the ${a.n} ${a.target} cells: (source − base activation) · ∂metric/∂activation at the base run, from one forward and one backward per prompt group` +
      (a.qkFix && qkFixApplies(a.target) ? '; the QK fix recomputes the patched attention softmax exactly and linearises only after the pattern' : '') +
      (a.gradDrop ? '; GradDrop ranks by max(|estimate|, Σ_l |estimate with block l\'s gradient dropped| / (L − 1))' : '') +
      '.',
    ...(a.metric === 'kl' && a.direction === 'noise' ? ['KL to the clean run has zero gradient at the clean run, so with noising every first-order estimate is 0 and the ranking says nothing: use denoise or the logit difference.'] : []),
    `The top ${a.verified} by that score were patched exactly (the same engine path as exact patching).`,
    a.bound.skipped > 0
      ? `Bound on a skipped cell: |Δ${a.metric}| ≤ ${fmt(a.bound.effect)} (${fmt(a.bound.normalised)} of the clean-corrupted gap) = the largest skipped score ${fmt(a.bound.skippedMaxScore)} + the largest error seen on the verified cells ${fmt(a.bound.observedError)}. ` +
        'It holds only if the estimator errs on skipped cells no more than on verified ones; that is not a guarantee: the verified cells were chosen for large estimates, not at random, and nonlinear effects (saturated attention downstream, LayerNorm) can make a skipped cell larger than its estimate.'
      : 'Every cell was verified: the values shown for verified cells are exact.',
    `Cost: ${fmt(a.cost.total)} forward-equivalents (estimation ${fmt(a.cost.estimation)}, verification ${fmt(a.cost.verification)}) against ${fmt(a.cost.exactAll)} for exact patching of every cell (${a.cost.convention}).`,
  ];
  return parts.join(' ');
}
