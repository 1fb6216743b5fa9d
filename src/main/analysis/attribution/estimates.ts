/**
 * Attribution patching estimates (Nanda 2022; AtP* of Kramár et al. 2024) for the cells of an
 * activation-patching target, from a few forward and backward passes per prompt group:
 *
 *   plain AtP:  Δ(cell) ≈ Σ (source − base) ⊙ ∂M/∂a    (a: the patched activation, at the base run)
 *   QK fix:     for q and k targets the attention softmax is not linearised: the patched pattern
 *               A' = softmax(q' k'ᵀ/√dh + mask) is computed exactly and Δ ≈ Σ (A' − A) ⊙ ∂M/∂A.
 *               (Head outputs, z, lie after their own softmax, so that change is exact already.)
 *   GradDrop:   for each layer l, the estimate with the gradient through block l's contribution
 *               to the residual stream dropped (only the skip path carries it). Block l's own
 *               nodes then get 0; nodes after l are unchanged; nodes before l get the gradient
 *               of Σ resid_pre_l ⊙ G_l (G_l = ∂M/∂resid_post_l), from a forward that stops at l.
 *               The GradDrop magnitude is Σ_l |Δ_l| / (L − 1) (the paper's eq. 11: one of the L
 *               terms is the dropped node's own layer).
 *
 * base is the run patched into (corrupted for 'denoise', clean for 'noise'), source the other.
 * Estimates are of the change of the mean metric, in the metric's units, summed over groups
 * with weight rows/size exactly as exact patching averages.
 */
import { QK_FIX_TARGET_NAMES } from '../../../shared/api/analysisKinds';
import type { HookedGPT2 } from '../../engine/model';
import { blockHook } from '../../engine/hookNames';
import type { Hook } from '../../engine/hookRunner';
import { causalMaskBias } from '../../engine/layers';
import { tf, type Tensor } from '../../engine/tf';
import { metricFor, type Metric, type MetricKind } from '../metrics';
import { patchedHook, targetCells, type PatchDirection, type PatchTarget } from '../patching';
import { chunkGroup, singleLengthGroup, type PromptBatch, type PromptGroup } from '../promptBatch';
import type { Progress } from '../progress';

export interface EstimateOptions {
  target: PatchTarget;
  direction: PatchDirection;
  metric?: MetricKind;
  qkFix: boolean;
  gradDrop: boolean;
  /**
   * Rows x positions per gradient pass (a backward keeps every layer's intermediates): groups are
   * split into chunks of at most this many tokens (at least one row). Default 256.
   */
  gradRowTokens?: number;
}

export interface AtpEstimates {
  /** Plain AtP per cell (layer-major, as exact patching's `raw`): estimated change of the metric. */
  plain: Float64Array;
  /** AtP with the QK fix where it applies (q, k targets); equal to `plain` elsewhere. */
  estimate: Float64Array;
  /** Per dropped layer l, the estimate with block l's gradient dropped (GradDrop only). */
  drops: Float64Array[] | undefined;
  /** Σ_l |drops[l]| / (L − 1) per cell (GradDrop only, L ≥ 2). */
  gradDrop: Float64Array | undefined;
  baseline: { clean: number; corrupted: number };
  /** The prompt groups estimated (one for position-resolved targets). */
  groups: PromptGroup[];
  cellsPerLayer: number;
}

/** Whether the QK fix changes the estimate of this target (its nodes feed a softmax directly). */
export const qkFixApplies = (target: PatchTarget): boolean => (QK_FIX_TARGET_NAMES as readonly string[]).includes(target);

/** Progress units one chunk costs: two cached runs, the gradient pass, the GradDrop passes. */
const chunkUnits = (L: number, gradDrop: boolean): number => 3 + (gradDrop ? Math.max(0, L - 1) : 0);

/** The prompt groups (one for position-resolved targets), their memory-bounded chunks and the progress units. */
export function planEstimates(model: HookedGPT2, batch: PromptBatch, opts: EstimateOptions): { groups: PromptGroup[]; chunks: PromptGroup[]; units: number } {
  const { target } = opts;
  const positional = targetCells(target, model.config.nHead, 1).positional;
  const groups = positional ? [singleLengthGroup(batch, `attribution patching ${target} by position`)] : batch.groups;
  const rowTokens = opts.gradRowTokens ?? 256;
  const chunks = groups.flatMap((g) => chunkGroup(g, Math.max(1, Math.floor(rowTokens / g.length))));
  return { groups, chunks, units: chunks.length * chunkUnits(model.config.nLayer, opts.gradDrop && model.config.nLayer >= 2) };
}

export async function atpEstimates(model: HookedGPT2, batch: PromptBatch, opts: EstimateOptions, progress?: Progress): Promise<AtpEstimates> {
  const { nLayer: L, nHead: H } = model.config;
  const { target } = opts;
  const { groups, chunks } = planEstimates(model, batch, opts);
  const cellsPerLayer = targetCells(target, H, groups[0].length).cells;
  const n = L * cellsPerLayer;
  const plain = new Float64Array(n);
  const estimate = new Float64Array(n);
  const gradDrop = opts.gradDrop && L >= 2;
  const drops = gradDrop ? Array.from({ length: L }, () => new Float64Array(n)) : undefined;
  const baseline = { clean: 0, corrupted: 0 };
  for (const g of chunks) {
    progress?.check();
    const weight = g.rows.length / batch.size;
    const pass = new GroupPass(model, g, opts);
    try {
      const [mClean, mCorrupted] = await pass.baselines();
      baseline.clean += weight * mClean;
      baseline.corrupted += weight * mCorrupted;
      await progress?.step(2);
      const full = await pass.gradientPass(gradDrop);
      add(plain, full.plain, weight);
      add(estimate, full.estimate, weight);
      await progress?.step();
      if (drops) {
        for (let l = 0; l < L; l++) {
          progress?.check();
          add(drops[l], await pass.dropped(l, full.estimate), weight);
          if (l > 0) await progress?.step();
        }
      }
    } finally {
      pass.dispose();
    }
  }
  let gd: Float64Array | undefined;
  if (drops) {
    gd = new Float64Array(n);
    for (const d of drops) for (let i = 0; i < n; i++) gd[i] += Math.abs(d[i]) / (L - 1);
  }
  return { plain, estimate, drops, gradDrop: gd, baseline, groups, cellsPerLayer };
}

function add(into: Float64Array, values: ArrayLike<number>, weight: number): void {
  for (let i = 0; i < into.length; i++) into[i] += weight * values[i];
}

/** One prompt group's cached clean and corrupted runs and its gradient passes at the base run. */
class GroupPass {
  private readonly clean;
  private readonly corrupted;
  private readonly metric: Metric;
  private readonly qk: boolean;
  private readonly base: { get(name: string): Tensor };
  private readonly source: { get(name: string): Tensor };
  private readonly baseTokens: number[][];
  /** G_l = ∂M/∂resid_post_l per layer (kept by a gradient pass with GradDrop). */
  private residGrads: Tensor[] = [];

  constructor(
    private readonly model: HookedGPT2,
    private readonly g: PromptGroup,
    private readonly opts: EstimateOptions,
  ) {
    const L = model.config.nLayer;
    this.qk = opts.qkFix && qkFixApplies(opts.target);
    const names: string[] = [];
    for (let l = 0; l < L; l++) {
      names.push(patchedHook(opts.target, l));
      if (this.qk) names.push(blockHook(l, 'attn.hook_q'), blockHook(l, 'attn.hook_k'), blockHook(l, 'attn.hook_pattern'));
    }
    const unique = [...new Set(names)];
    this.clean = model.runWithCache(g.clean, unique, { logits: 'last' });
    try {
      this.corrupted = model.runWithCache(g.corrupted, unique, { logits: 'last' });
    } catch (err) {
      this.clean.cache.dispose();
      this.clean.logits?.dispose();
      throw err;
    }
    this.metric = metricFor(opts.metric ?? 'logit-diff', g, this.clean.logits);
    const denoise = opts.direction === 'denoise';
    this.base = denoise ? this.corrupted.cache : this.clean.cache;
    this.source = denoise ? this.clean.cache : this.corrupted.cache;
    this.baseTokens = denoise ? g.corrupted : g.clean;
  }

  async baselines(): Promise<[number, number]> {
    const t = tf.tidy(() => tf.stack([this.metric(this.clean.logits!), this.metric(this.corrupted.logits!)])); // [2]
    const v = await t.data();
    t.dispose();
    return [v[0], v[1]];
  }

  /** The activation a probe is added to at layer l: the pattern for the QK fix, else the patched one. */
  private probeName(l: number): string {
    return this.qk ? blockHook(l, 'attn.hook_pattern') : patchedHook(this.opts.target, l);
  }

  /**
   * Per-cell estimates at layer l from the gradient at the probe: (source − base) ⊙ grad, or for
   * the QK fix (A' − A) ⊙ ∂M/∂A with A' the exactly recomputed pattern. Call inside tidy.
   */
  private cellEstimate(l: number, grad: Tensor): Tensor {
    if (this.qk) return patchedPattern(this.opts.target, l, this.base, this.source).sub(this.base.get(blockHook(l, 'attn.hook_pattern'))).mul(grad).sum([0, 2, 3]); // [H]
    const name = patchedHook(this.opts.target, l);
    return cellSums(this.opts.target, this.source.get(name).sub(this.base.get(name)).mul(grad));
  }

  /** The full gradient pass: plain and QK-fixed estimates; keeps G_l when GradDrop follows. */
  async gradientPass(keepResidGrads: boolean): Promise<{ plain: Float32Array; estimate: Float32Array }> {
    const L = this.model.config.nLayer;
    const target = this.opts.target;
    const patched = Array.from({ length: L }, (_, l) => patchedHook(target, l));
    const probeNames = [...patched];
    if (this.qk) probeNames.push(...Array.from({ length: L }, (_, l) => this.probeName(l)));
    if (keepResidGrads) probeNames.push(...Array.from({ length: L }, (_, l) => blockHook(l, 'hook_resid_post')));
    const out = tf.tidy(() => {
      const probes = probeNames.map((name, i) => tf.zerosLike(i < L ? this.base.get(patched[i]) : this.probeShape(name))); // each like its activation
      const f = (...ps: Tensor[]): Tensor => {
        const hooks: Hook[] = probeNames.map((name, i) => ({ name, fn: (x: Tensor) => x.add(ps[i]) }));
        const logits = this.model.runWithHooks(this.baseTokens, hooks, { logits: 'last' }); // [B, V]
        return this.metric(logits); // scalar
      };
      const grads = tf.grads(f)(probes);
      const plainRows = patched.map((name, l) => cellSums(target, this.source.get(name).sub(this.base.get(name)).mul(grads[l]))); // L x [cells]
      const fixedRows = this.qk ? Array.from({ length: L }, (_, l) => this.cellEstimate(l, grads[L + l])) : plainRows; // L x [cells]
      const resid = keepResidGrads ? grads.slice(probeNames.length - L).map((t) => tf.keep(t)) : [];
      return { plain: tf.concat(plainRows), estimate: tf.concat(fixedRows), resid }; // [L*cells] each
    });
    this.residGrads = out.resid;
    const plain = (await out.plain.data()) as Float32Array;
    const estimate = (await out.estimate.data()) as Float32Array;
    tf.dispose([out.plain, out.estimate]);
    return { plain, estimate };
  }

  /** A zero-probe template for a non-patched point: the pattern or the residual stream. */
  private probeShape(name: string): Tensor {
    if (name.endsWith('attn.hook_pattern')) return this.base.get(name);
    const [B, T] = [this.g.rows.length, this.g.length];
    return tf.zeros([B, T, this.model.config.dModel]); // [B, T, D]
  }

  /** The estimates with block `drop`'s gradient dropped, every layer (layer-major). */
  async dropped(drop: number, full: Float32Array): Promise<Float32Array> {
    const L = this.model.config.nLayer;
    const cells = full.length / L;
    const out = Float32Array.from(full); // layers after `drop` keep the full gradient
    for (let i = drop * cells; i < (drop + 1) * cells; i++) out[i] = 0; // block `drop`'s own nodes
    const t = tf.tidy(() => {
      const G = this.residGrads[drop]; // [B, T, D]
      const rows: Tensor[] = [];
      if (this.opts.target === 'resid') {
        // resid_pre_drop's gradient is G alone: the skip path around the dropped block.
        const name = patchedHook('resid', drop);
        rows.push(cellSums('resid', this.source.get(name).sub(this.base.get(name)).mul(G))); // [T]
      }
      if (drop > 0) {
        const names = Array.from({ length: drop }, (_, l) => this.probeName(l));
        const probes = names.map((name) => tf.zerosLike(this.base.get(name)));
        const f = (...ps: Tensor[]): Tensor => {
          const hooks: Hook[] = names.map((name, i) => ({ name, fn: (x: Tensor) => x.add(ps[i]) }));
          const { resid, cache } = this.model.runWithCache(this.baseTokens, [], { stopAtLayer: drop }, hooks);
          cache.dispose();
          return resid!.mul(G).sum(); // scalar: the cotangent G pulled back from resid_pre_drop
        };
        const grads = tf.grads(f)(probes);
        rows.unshift(...grads.map((gr, l) => this.cellEstimate(l, gr))); // drop x [cells]
      }
      return rows.length ? tf.concat(rows) : undefined; // [(drop [+1]) * cells]
    });
    if (t) {
      const v = await t.data();
      t.dispose();
      out.set(v, 0);
    }
    return out;
  }

  dispose(): void {
    this.clean.cache.dispose();
    this.corrupted.cache.dispose();
    tf.dispose([this.clean.logits!, this.corrupted.logits!, ...this.residGrads]);
    this.residGrads = [];
  }
}

/** Sum a product at the target's activation over everything but the cell axes: [cells] in result order. */
function cellSums(target: PatchTarget, x: Tensor): Tensor {
  switch (target) {
    case 'resid':
    case 'attn':
    case 'mlp':
      return x.sum([0, 2]); // [B, T, D] -> [T]
    case 'heads':
    case 'q':
    case 'k':
    case 'v':
      return x.sum([0, 1, 3]); // [B, T, H, dh] -> [H]
    case 'head-pos':
      return x.sum([0, 3]).transpose().reshape([-1]); // [B, T, H, dh] -> [H, T] -> [H*T]
    case 'pattern':
      return x.sum([0, 2, 3]); // [B, H, Tq, Tk] -> [H]
  }
}

/** Layer l's pattern with the target's (q or k) activation from the source run, exactly: [B, H, Tq, Tk]. */
function patchedPattern(target: PatchTarget, l: number, base: { get(name: string): Tensor }, source: { get(name: string): Tensor }): Tensor {
  const q = (target === 'q' ? source : base).get(blockHook(l, 'attn.hook_q')); // [B, T, H, dh]
  const k = (target === 'k' ? source : base).get(blockHook(l, 'attn.hook_k')); // [B, T, H, dh]
  const [, T, , dh] = q.shape as [number, number, number, number];
  const qh = q.transpose([0, 2, 1, 3]); // [B, H, T, dh]
  const kh = k.transpose([0, 2, 1, 3]); // [B, H, T, dh]
  return tf.softmax(tf.matMul(qh, kh, false, true).div(Math.sqrt(dh)).add(causalMaskBias(T))); // [B, H, Tq, Tk]
}
