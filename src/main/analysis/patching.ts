/**
 * Activation patching (outline step 2): replace one activation of a run with its value from the
 * other run and measure the metric, normalised so 0 is the corrupted run and 1 the clean run.
 * - 'denoise': the corrupted run with clean activations patched in (what is sufficient);
 * - 'noise':   the clean run with corrupted activations patched in (what is necessary).
 *
 * Fast by construction: the clean and corrupted runs are cached once; every patched run starts
 * at the patched layer from the cached residual (blocks before it are not recomputed); and many
 * interventions run at once, stacked along the batch axis (copy i of the prompt batch carries
 * intervention i), as many as fit in `maxRowTokens` rows x positions.
 *
 * Head outputs are patched at attn.hook_z (one head's z determines its result z W_O^h exactly).
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import type { Hook } from '../engine/hookRunner';
import { tf, type Tensor } from '../engine/tf';
import { metricFor, normalisedMetric, perCopy, type MetricKind } from './metrics';
import { AnalysisError, Progress, type AnalysisOptions } from './progress';
import { headPatchRuns, patchHeadsOfGroup, readScalars } from './headPatching';
import { headPatchWorkers, patchHeadsInPool } from './headPatchPool';
import { singleLengthGroup, type PromptBatch, type PromptGroup } from './promptBatch';

export type PatchTarget = 'resid' | 'attn' | 'mlp' | 'heads' | 'head-pos' | 'q' | 'k' | 'v' | 'pattern';
export const PATCH_TARGETS: readonly PatchTarget[] = ['resid', 'attn', 'mlp', 'heads', 'head-pos', 'q', 'k', 'v', 'pattern'];
export type PatchDirection = 'denoise' | 'noise';
export const PATCH_DIRECTIONS: readonly PatchDirection[] = ['denoise', 'noise'];

export interface PatchOptions extends AnalysisOptions {
  target: PatchTarget;
  direction?: PatchDirection;
  metric?: MetricKind;
  /**
   * Upper bound on rows x positions of one batched run. Default: what fits in `memoryBudgetBytes`
   * of intermediates (a run keeps every layer's intermediates until it ends), at most 8192.
   */
  maxRowTokens?: number;
  /** Activation memory one batched run may use when maxRowTokens is not given; default 512 MiB. */
  memoryBudgetBytes?: number;
  /** Token labels for position axes (from the first clean prompt). */
  positionLabels?: (ids: number[]) => string[];
  /**
   * Patch only these cells (flat indices into `values`, layer-major); the others are NaN in
   * `values` and `raw`. Attribution patching verifies its top candidates this way (through the
   * hooks path: the heads path patches whole layers).
   */
  cells?: readonly number[];
  /**
   * 'hooks': every target through the engine's hooks (the original path, kept for comparison).
   * Default: target 'heads' takes the hook-free path of headPatching.ts (same numbers, faster).
   */
  path?: 'hooks';
  /** Worker threads for target 'heads' (headPatchPool.ts); default CWB_WORKERS, else by model size. */
  workers?: number;
}

export interface PatchResult {
  kind: 'patch';
  target: PatchTarget;
  direction: PatchDirection;
  metric: MetricKind;
  /** Axis names and sizes of `values` (row-major), e.g. ['layer', 'head'] and [12, 12]. */
  axes: string[];
  shape: number[];
  labels: Record<string, string[]>;
  /** Normalised metric: 0 = corrupted run, 1 = clean run. */
  values: number[];
  /** The metric itself (mean over prompts). */
  raw: number[];
  baseline: { clean: number; corrupted: number };
  prompts: number;
  /** Batched forward runs made (each from the patched layer on). */
  runs: number;
  /** Where the patch lands, in words. */
  hookPoint: string;
}

interface TargetSpec {
  axes: string[];
  /** The hook patched at layer l (undefined: the residual entering the block is patched directly). */
  hook(l: number): string | undefined;
  hookPoint: string;
  positional: boolean;
  /** Interventions per layer for prompts of T tokens. */
  cells(H: number, T: number): number;
  /**
   * Mask of one intervention over the activation without its batch axis, as a shape with 1s
   * where it broadcasts and the flat indices set to true.
   */
  mask(cell: number, H: number, T: number): { shape: number[]; on: number[] };
}

const positionMask = (cell: number, _H: number, T: number) => ({ shape: [T, 1], on: [cell] }); // over [T, D]
const headMask = (cell: number, H: number) => ({ shape: [1, H, 1], on: [cell] }); // over [T, H, dh]

const TARGETS: Record<PatchTarget, TargetSpec> = {
  resid: { axes: ['layer', 'position'], hook: () => undefined, hookPoint: 'blocks.L.hook_resid_pre', positional: true, cells: (_H, T) => T, mask: positionMask },
  attn: { axes: ['layer', 'position'], hook: (l) => blockHook(l, 'hook_attn_out'), hookPoint: 'blocks.L.hook_attn_out', positional: true, cells: (_H, T) => T, mask: positionMask },
  mlp: { axes: ['layer', 'position'], hook: (l) => blockHook(l, 'hook_mlp_out'), hookPoint: 'blocks.L.hook_mlp_out', positional: true, cells: (_H, T) => T, mask: positionMask },
  heads: { axes: ['layer', 'head'], hook: (l) => blockHook(l, 'attn.hook_z'), hookPoint: 'blocks.L.attn.hook_z (all positions)', positional: false, cells: (H) => H, mask: headMask },
  'head-pos': {
    axes: ['layer', 'head', 'position'],
    hook: (l) => blockHook(l, 'attn.hook_z'),
    hookPoint: 'blocks.L.attn.hook_z (one position)',
    positional: true,
    cells: (H, T) => H * T,
    mask: (cell, H, T) => ({ shape: [T, H, 1], on: [(cell % T) * H + Math.floor(cell / T)] }),
  },
  q: { axes: ['layer', 'head'], hook: (l) => blockHook(l, 'attn.hook_q'), hookPoint: 'blocks.L.attn.hook_q', positional: false, cells: (H) => H, mask: headMask },
  k: { axes: ['layer', 'head'], hook: (l) => blockHook(l, 'attn.hook_k'), hookPoint: 'blocks.L.attn.hook_k', positional: false, cells: (H) => H, mask: headMask },
  v: { axes: ['layer', 'head'], hook: (l) => blockHook(l, 'attn.hook_v'), hookPoint: 'blocks.L.attn.hook_v', positional: false, cells: (H) => H, mask: headMask },
  pattern: { axes: ['layer', 'head'], hook: (l) => blockHook(l, 'attn.hook_pattern'), hookPoint: 'blocks.L.attn.hook_pattern', positional: false, cells: (H) => H, mask: (cell, H) => ({ shape: [H, 1, 1], on: [cell] }) },
};

export async function activationPatching(model: HookedGPT2, batch: PromptBatch, opts: PatchOptions): Promise<PatchResult> {
  const c = model.config;
  const target = opts.target;
  const spec = TARGETS[target];
  if (!spec) throw new AnalysisError(`unknown patching target ${JSON.stringify(target)} (one of ${PATCH_TARGETS.join(', ')})`);
  if (target === 'mlp' && c.attnOnly) throw new AnalysisError('the model is attention-only: it has no MLP outputs to patch');
  const direction = opts.direction ?? 'denoise';
  if (!PATCH_DIRECTIONS.includes(direction)) throw new AnalysisError(`unknown patching direction ${JSON.stringify(direction)} (denoise or noise)`);
  const metricKind = opts.metric ?? 'logit-diff';
  const headsPath = target === 'heads' && opts.path !== 'hooks' && opts.cells === undefined;
  // the heads path frees each layer's intermediates before the next layer: its runs hold one layer at a time
  const tokenBytes = headsPath ? bytesPerToken(model, batch) / c.nLayer : bytesPerToken(model, batch);
  const maxRowTokens = opts.maxRowTokens ?? Math.min(headsPath ? 32768 : 8192, Math.floor((opts.memoryBudgetBytes ?? 512 * 2 ** 20) / tokenBytes));
  const groups = spec.positional ? [singleLengthGroup(batch, `patching ${target} by position`)] : batch.groups;
  const H = c.nHead;
  const L = c.nLayer;

  const plan = groups.map((g) => {
    const cells = spec.cells(H, g.length);
    const perRun = Math.max(1, Math.min(cells, Math.floor(maxRowTokens / (g.rows.length * g.length))));
    const chosen = chosenCells(opts.cells, L, cells);
    return { g, cells, perRun, chosen, runs: headsPath ? headPatchRuns(L, H, perRun) : chosen.reduce((s, ids) => s + Math.ceil(ids.length / perRun), 0) };
  });
  const progress = new Progress(plan.reduce((s, p) => s + p.runs + 2, 0), opts);
  const cellsPerLayer = plan[0].cells;
  const raw = new Array<number>(L * cellsPerLayer).fill(opts.cells ? Number.NaN : 0);
  for (const l of opts.cells ?? []) raw[l] = 0;
  let clean = 0;
  let corrupted = 0;
  let runs = 0;
  for (const { g, cells, perRun, chosen } of plan) {
    const weight = g.rows.length / batch.size;
    progress.check();
    if (headsPath) {
      const workers = await headPatchWorkers(c, opts.workers);
      const r = workers > 1 ? await patchHeadsInPool(model, g, direction, metricKind, perRun, workers, progress, opts.signal) : await patchHeadsOfGroup(model, g, direction, metricKind, perRun, progress);
      clean += weight * r.clean;
      corrupted += weight * r.corrupted;
      r.raw.forEach((v, i) => (raw[i] += weight * v));
      runs += r.runs;
      continue;
    }
    const runsOf = cacheRuns(model, g, spec);
    try {
      const metric = metricFor(metricKind, g, runsOf.cleanLogits);
      const [mClean, mCorrupted] = await readScalars([metric(runsOf.cleanLogits), metric(runsOf.corruptedLogits)]);
      clean += weight * mClean;
      corrupted += weight * mCorrupted;
      await progress.step(2);
      const base = direction === 'denoise' ? runsOf.corrupted : runsOf.clean;
      const source = direction === 'denoise' ? runsOf.clean : runsOf.corrupted;
      for (let l = 0; l < L; l++) {
        const layerCells = chosen[l];
        for (let c0 = 0; c0 < layerCells.length; c0 += perRun) {
          progress.check();
          const cellIds = layerCells.slice(c0, c0 + perRun);
          const k = cellIds.length;
          const values = tf.tidy(() => {
            const baseResid = tileCopies(base.get(blockHook(l, 'hook_resid_pre')), k); // [kB, T, D]
            const hookName = spec.hook(l);
            const sourceAct = source.get(hookName ?? blockHook(l, 'hook_resid_pre')); // [B, ...A]
            const mask = copyMask(spec, cellIds, H, g.length, sourceAct.shape.slice(1), g.rows.length); // [kB, ...A] bool
            const sourceTiled = tileCopies(sourceAct, k); // [kB, ...A]
            let start = baseResid;
            const hooks: Hook[] = [];
            if (hookName === undefined) start = tf.where(mask, sourceTiled, baseResid); // [kB, T, D]
            else hooks.push({ name: hookName, fn: (x) => tf.where(mask, sourceTiled, x) });
            const { logits, cache } = model.runFromLayer(l, start, hooks, { logits: 'last' });
            cache.dispose();
            return perCopy(metric, logits!, k); // [k]
          });
          const v = await values.data();
          values.dispose();
          runs++;
          for (let i = 0; i < k; i++) raw[l * cells + cellIds[i]] += weight * v[i];
          await progress.step();
        }
      }
    } finally {
      runsOf.dispose();
    }
  }
  const T = groups[0].length;
  const labels: Record<string, string[]> = { layer: Array.from({ length: L }, (_, l) => `L${l}`) };
  if (spec.axes.includes('head')) labels.head = Array.from({ length: H }, (_, h) => `H${h}`);
  if (spec.positional) labels.position = opts.positionLabels ? opts.positionLabels(groups[0].clean[0]) : Array.from({ length: T }, (_, t) => String(t));
  const shape = spec.axes.map((a) => (a === 'layer' ? L : a === 'head' ? H : T));
  return {
    kind: 'patch',
    target,
    direction,
    metric: metricKind,
    axes: spec.axes,
    shape,
    labels,
    values: raw.map((v) => normalisedMetric(v, clean, corrupted)),
    raw,
    baseline: { clean, corrupted },
    prompts: groups.reduce((s, g) => s + g.rows.length, 0),
    runs,
    hookPoint: spec.hookPoint,
  };
}

/** The cells to patch per layer: every cell, or the given flat indices (checked). */
function chosenCells(only: readonly number[] | undefined, L: number, cells: number): number[][] {
  const all = Array.from({ length: L }, () => Array.from({ length: cells }, (_, c) => c));
  if (!only) return all;
  const perLayer = Array.from({ length: L }, () => [] as number[]);
  for (const i of new Set(only)) {
    if (!Number.isInteger(i) || i < 0 || i >= L * cells) throw new AnalysisError(`cell ${i} is outside 0..${L * cells - 1}`);
    perLayer[Math.floor(i / cells)].push(i % cells);
  }
  return perLayer.map((ids) => ids.sort((a, b) => a - b));
}

/** The activation a target patches at layer l (the residual entering the block for 'resid'). */
export function patchedHook(target: PatchTarget, l: number): string {
  return TARGETS[target].hook(l) ?? blockHook(l, 'hook_resid_pre');
}

/** Cells per layer of a target for prompts of T tokens, and whether it is resolved by position. */
export function targetCells(target: PatchTarget, H: number, T: number): { cells: number; positional: boolean; axes: string[]; hookPoint: string } {
  const spec = TARGETS[target];
  return { cells: spec.cells(H, T), positional: spec.positional, axes: spec.axes, hookPoint: spec.hookPoint };
}

/**
 * Rough intermediate bytes one token costs in a full run: per layer the MLP's hidden activations
 * and the GELU temporaries (~8 x d_mlp), the residual-sized tensors (~16 x d_model) and the
 * attention scores and pattern rows (~4 x heads x T), in float32.
 */
function bytesPerToken(model: HookedGPT2, batch: PromptBatch): number {
  const c = model.config;
  const T = Math.max(...batch.groups.map((g) => g.length));
  return 4 * c.nLayer * ((c.attnOnly ? 0 : 8 * c.dMlp) + 16 * c.dModel + 4 * c.nHead * T);
}

/** Tile a [B, ...] tensor into `k` copies stacked copy-major: [k*B, ...]. */
export function tileCopies(x: Tensor, k: number): Tensor {
  if (k === 1) return x;
  return tf.tidy(() => {
    const [B, ...rest] = x.shape;
    return tf.broadcastTo(x.expandDims(0), [k, B, ...rest]).reshape([k * B, ...rest]); // [k*B, ...]
  });
}

/** Boolean mask [k*B, ...A] selecting, for copy i, the activation entries of intervention cellIds[i]. */
function copyMask(spec: TargetSpec, cellIds: number[], H: number, T: number, actShape: number[], B: number): Tensor {
  const k = cellIds.length;
  const first = spec.mask(cellIds[0], H, T);
  const size = first.shape.reduce((a, b) => a * b, 1);
  const data = new Uint8Array(k * size);
  cellIds.forEach((cell, i) => {
    for (const j of spec.mask(cell, H, T).on) data[i * size + j] = 1;
  });
  return tf.tidy(() => {
    const m = tf.tensor(data, [k, 1, ...first.shape], 'bool'); // [k, 1, ...M]
    return tf.broadcastTo(m, [k, B, ...actShape]).reshape([k * B, ...actShape]); // [k*B, ...A]
  });
}

interface CachedRuns {
  clean: { get(name: string): Tensor };
  corrupted: { get(name: string): Tensor };
  cleanLogits: Tensor;
  corruptedLogits: Tensor;
  dispose(): void;
}

/** Clean and corrupted runs of a group, caching every resid_pre and the target's activations. */
function cacheRuns(model: HookedGPT2, g: PromptGroup, spec: TargetSpec): CachedRuns {
  const names: string[] = [];
  for (let l = 0; l < model.config.nLayer; l++) {
    names.push(blockHook(l, 'hook_resid_pre'));
    const h = spec.hook(l);
    if (h) names.push(h);
  }
  const cleanRun = model.runWithCache(g.clean, names, { logits: 'last' });
  const corruptedRun = model.runWithCache(g.corrupted, names, { logits: 'last' });
  return {
    clean: cleanRun.cache,
    corrupted: corruptedRun.cache,
    cleanLogits: cleanRun.logits!,
    corruptedLogits: corruptedRun.logits!,
    dispose() {
      cleanRun.cache.dispose();
      corruptedRun.cache.dispose();
      tf.dispose([cleanRun.logits!, corruptedRun.logits!]);
    },
  };
}
