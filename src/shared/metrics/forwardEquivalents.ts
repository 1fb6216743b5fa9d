/**
 * Cost in forward-equivalents, one convention for attribution and exact patching alike:
 * - one forward of every prompt of the dataset through the whole model = 1;
 * - a backward pass = 2 (the usual rule of thumb: two matmuls per forward matmul);
 * - a run that starts (or stops) at layer l covers (L − l) / L (resp. l / L) of the blocks;
 * - the QK fix recomputes every layer's attention scores and softmax once: counted as 1 (an
 *   upper bound: it is a part of one forward).
 * Exact patching makes a clean and a corrupted run (2) and one run from the patched layer per
 * cell (stacked copies of the batch count once each).
 */

export const COST_CONVENTION =
  'forward-equivalents: 1 = one forward of all prompts through the whole model; a backward = 2; a run over blocks l..L-1 (or 0..l-1) = its fraction of the L blocks; the QK fix = 1';

export interface CostReport {
  /** AtP* estimation: cached runs, the gradient pass, GradDrop's truncated passes, the QK fix. */
  estimation: number;
  /** Exact patching of the verified cells (its cached runs included). */
  verification: number;
  total: number;
  /** Exact patching of every cell of the target, as `activationPatching` runs it. */
  exactAll: number;
  convention: string;
}

/** Forward-equivalents of the AtP* estimates for a model of L layers. */
export function estimationCost(L: number, opts: { qkFix: boolean; gradDrop: boolean }): number {
  let cost = 2 + 3; // clean and corrupted cached runs; one forward + backward at the base run
  if (opts.qkFix) cost += 1;
  if (opts.gradDrop && L >= 2) for (let l = 1; l < L; l++) cost += (3 * l) / L; // forward to block l + backward
  return cost;
}

/** Forward-equivalents of exact patching of the given cells (flat, layer-major) or of all of them. */
export function exactCost(L: number, cellsPerLayer: number, cells?: readonly number[]): number {
  if (cells && cells.length === 0) return 0;
  const layers = cells ? cells.map((c) => Math.floor(c / cellsPerLayer)) : Array.from({ length: L * cellsPerLayer }, (_, i) => Math.floor(i / cellsPerLayer));
  return 2 + layers.reduce((s, l) => s + (L - l) / L, 0);
}

/**
 * What AtP* and exact patching will cost before a run, for cells of `cellsPerLayer` per layer:
 * AtP* at most (the verified cells counted as if all were in layer 0) against exact patching.
 */
export function patchingCostPreview(L: number, cellsPerLayer: number, verifyTop: number, opts: { qkFix: boolean; gradDrop: boolean }): { atpAtMost: number; exact: number } {
  const k = Math.min(verifyTop, L * cellsPerLayer);
  return { atpAtMost: estimationCost(L, opts) + (k > 0 ? 2 + k : 0), exact: exactCost(L, cellsPerLayer) };
}
