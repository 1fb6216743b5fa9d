/**
 * Edge interventions: run the model with any set of edges removed, a removed edge feeding its
 * receiver the sender's ablated output instead of its current one.
 *
 * Models are pre-LayerNorm, so a receiver's input is the sum of its senders' outputs (plus the
 * attention biases b_O, always-on constants). Removing edge s -> r therefore means subtracting
 * (current_s - ablated_s) from r's input, where current_s is what s outputs in this very run
 * (it may itself differ from the clean run when edges upstream of s are removed). Receiver inputs
 * are the engine's split hooks: blocks.L.hook_q|k|v_input [B, T, H, D] for heads,
 * blocks.L.hook_mlp_in for MLPs, and the final residual blocks.{n-1}.hook_resid_post for the
 * logits.
 *
 * Batched: k edge sets run at once along the batch axis (copy c of the prompt group carries edge
 * set c). The per-sender differences are stored as [k, senders, B*T*D] and each layer's receiver
 * corrections are one batched matMul with the [k, receivers, senders] removal weights, so the cost
 * is that of the edges actually removed. A presence weight between 0 and 1 removes an edge
 * partially (used to check attribution gradients against finite differences).
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import type { Hook } from '../engine/hookRunner';
import { tf, type Tensor } from '../engine/tf';
import { metricFor, perCopy, type Metric, type MetricKind } from '../analysis/metrics';
import { AnalysisError, Progress, type AnalysisOptions } from '../analysis/progress';
import { chunkGroup, type PromptBatch, type PromptGroup } from '../analysis/promptBatch';
import { tileCopies } from '../analysis/patching';
import { ablatedOutputs, groupSenderMeans, type AblatedOutputs, type AblationKind, type MeanReference } from './ablation';
import { ModelGraph, type SenderGroup } from './graph';
import { copyMetric, type CopyMetric } from './copyMetric';
import { atPosition, take } from '../engine/take';
import { maskFor, slotAttention, slotLogits, slotMlp, slotWeights, type SlotWeights } from './slotForward';

/** Per edge: 1 present, 0 removed (Float32Array allows partial removal). */
export type Presence = Uint8Array | Float32Array;

export interface EdgeRunnerOptions {
  ablation?: AblationKind;
  meanReference?: MeanReference;
  metric?: MetricKind;
  /** Upper bound on rows x positions of one batched run (memory); default 2^21 / d_model within 8192..32768 (more copies per run on small models, where per-operation overhead dominates); 8192 on the hooked path. */
  maxRowTokens?: number;
  /** Split prompt groups into chunks of at most this many rows (memory of the caches); default 64. */
  maxGroupRows?: number;
  /**
   * 'slots' (default): the slot-major forward of slotForward.ts, corrections applied in place.
   * 'hooks': the original path through the engine's split q/k/v hooks, kept to measure the
   * speed-up and to check that both give the same answers.
   */
  path?: EdgePath;
}

export type EdgePath = 'slots' | 'hooks';

interface GroupState {
  group: PromptGroup;
  /** Share of the batch's rows: the dataset metric is the weighted sum over groups. */
  weight: number;
  B: number;
  T: number;
  abl: AblatedOutputs;
  metric: Metric;
  /** clean - ablated input embeddings [1, 1, B*T*D] (the input node's difference, made once). */
  inputDiff: Tensor;
  /** The metric of k copies at once (constants made once). */
  copies: CopyMetric;
  /** Per layer, per head: ablated output [B|1, T, D]. */
  ablHeads: Tensor[][];
}

/** A forward pass cached up to a layer for one edge set, so edge sets differing only at or after that layer can start there. */
export interface Prefix {
  layer: number;
  perGroup: { resid: Tensor; diffs: (Tensor | undefined)[] }[];
  dispose(): void;
}

export class EdgeRunner {
  readonly graph: ModelGraph;
  readonly metricKind: MetricKind;
  readonly ablation: AblationKind;
  /** Metric of the clean run and of the corrupted run (dataset means). */
  readonly baseline: { clean: number; corrupted: number };
  private readonly groups: GroupState[];
  private readonly senderGroups: SenderGroup[];
  private readonly groupOfNode: Int32Array;
  private readonly maxRowTokens: number;
  private readonly path: EdgePath;
  private readonly slotW: SlotWeights;
  /** Forward passes made so far (each over up to maxRowTokens rows x positions). */
  runs = 0;
  /** Prompt rows x blocks run so far (a prefix's blocks counted once). */
  private rowBlocks = 0;

  private constructor(
    readonly model: HookedGPT2,
    groups: GroupState[],
    opts: EdgeRunnerOptions,
    baseline: { clean: number; corrupted: number },
  ) {
    this.graph = ModelGraph.forConfig(model.config);
    this.groups = groups;
    this.metricKind = opts.metric ?? 'logit-diff';
    this.ablation = opts.ablation ?? 'corrupted';
    this.path = opts.path ?? 'slots';
    // The hooked path keeps its original bound: its per-head copies are 3H times larger.
    this.maxRowTokens = opts.maxRowTokens ?? (this.path === 'hooks' ? 8192 : Math.min(32768, Math.max(8192, Math.floor(2 ** 21 / model.config.dModel))));
    this.slotW = slotWeights(model);
    for (const g of groups) maskFor(this.slotW, g.T); // made now, so a call leaves the tensor count unchanged
    this.baseline = baseline;
    this.senderGroups = this.graph.senderGroups();
    this.groupOfNode = new Int32Array(this.graph.nodeCount).fill(-1);
    this.senderGroups.forEach((g, i) => {
      for (let s = g.first; s < g.first + g.size; s++) this.groupOfNode[s] = i;
    });
  }

  /** Cache the clean and ablated sender outputs of every prompt group. */
  static async create(model: HookedGPT2, batch: PromptBatch, opts: EdgeRunnerOptions = {}): Promise<EdgeRunner> {
    const kind = opts.metric ?? 'logit-diff';
    const states: GroupState[] = [];
    let clean = 0;
    let corrupted = 0;
    try {
      const kindOfAblation = opts.ablation ?? 'corrupted';
      for (const whole of batch.groups) {
        const maxRows = opts.maxGroupRows ?? 64;
        // A mean ablation averages over the whole length group, whatever the chunking.
        const means = kindOfAblation === 'mean' ? groupSenderMeans(model, whole, opts.meanReference ?? 'corrupted', maxRows) : undefined;
        try {
          for (const group of chunkGroup(whole, maxRows)) {
            const abl = ablatedOutputs(model, group, kindOfAblation, means);
            const weight = group.rows.length / batch.size;
            const metric = metricFor(kind, group, abl.cleanLogits);
            const slots = tf.tidy(() => ({
              inputDiff: abl.cleanInput.sub(abl.input).reshape([1, 1, -1]), // [1, 1, N]
              ablHeads: abl.heads.map((x) => tf.unstack(x, 2)), // H x [B|1, T, D]
            }));
            states.push({ group, weight, B: group.rows.length, T: group.length, abl, metric, copies: copyMetric(kind, group, abl.cleanLogits), ...slots });
            const [mc, mx] = await Promise.all([scalar(metric(abl.cleanLogits)), scalar(metric(abl.corruptedLogits))]);
            clean += weight * mc;
            corrupted += weight * mx;
          }
        } finally {
          means?.dispose();
        }
      }
    } catch (err) {
      for (const s of states) disposeState(s);
      throw err;
    }
    return new EdgeRunner(model, states, opts, { clean, corrupted });
  }

  /** Work done so far in full forwards of the whole dataset (blocks run / (blocks x prompts)). */
  get forwardEquivalents(): number {
    return this.rowBlocks / (this.model.config.nLayer * this.promptCount);
  }

  get promptCount(): number {
    return this.groups.reduce((s, g) => s + g.B, 0);
  }

  dispose(): void {
    for (const g of this.groups) disposeState(g);
    this.slotW.dispose();
  }

  /** The dataset metric for each edge set, batched along the batch axis. */
  async evaluate(masks: readonly Presence[], opts: AnalysisOptions & { prefix?: Prefix } = {}): Promise<number[]> {
    for (const m of masks) if (m.length !== this.graph.edgeCount) throw new AnalysisError(`an edge mask has ${m.length} entries; the graph has ${this.graph.edgeCount} edges`);
    const out = new Array<number>(masks.length).fill(0);
    const plan = this.groups.map((g) => Math.max(1, Math.floor(this.maxRowTokens / (g.B * g.T))));
    const progress = new Progress(this.groups.reduce((s, _g, i) => s + Math.ceil(masks.length / plan[i]), 0), opts);
    for (let gi = 0; gi < this.groups.length; gi++) {
      const g = this.groups[gi];
      for (let c0 = 0; c0 < masks.length; c0 += plan[gi]) {
        progress.check();
        const chunk = masks.slice(c0, c0 + plan[gi]);
        const values = tf.tidy(() => {
          const logits = this.forwardGroup(gi, chunk, opts.prefix?.perGroup[gi], opts.prefix?.layer); // [k*B, V]
          return this.path === 'slots' ? g.copies(logits, chunk.length) : perCopy(g.metric, logits, chunk.length); // [k]
        });
        const v = await values.data();
        values.dispose();
        this.runs++;
        this.rowBlocks += chunk.length * g.B * (this.model.config.nLayer - (opts.prefix?.layer ?? 0));
        for (let i = 0; i < chunk.length; i++) out[c0 + i] += g.weight * v[i];
        await progress.step();
      }
    }
    return out;
  }

  /** Last-position logits [k*B, V] of prompt group `gi` (copy-major) for k edge sets. */
  logits(gi: number, masks: readonly Presence[]): Tensor {
    return tf.tidy(() => this.forwardGroup(gi, masks, undefined, undefined));
  }

  get groupCount(): number {
    return this.groups.length;
  }

  /** Clean and corrupted last-position logits [B, V] of group gi (owned by the runner). */
  groupLogits(gi: number): { clean: Tensor; corrupted: Tensor; group: PromptGroup } {
    const g = this.groups[gi];
    return { clean: g.abl.cleanLogits, corrupted: g.abl.corruptedLogits, group: g.group };
  }

  /**
   * Run edge set `mask` up to block `layer` and keep the residual there and every sender
   * difference before it. Edge sets that agree with `mask` on every receiver before `layer`
   * can then start at `layer` (evaluate(..., { prefix })).
   */
  prefix(layer: number, mask: Presence): Prefix {
    const L = this.model.config.nLayer;
    if (!Number.isInteger(layer) || layer < 0 || layer >= L) throw new AnalysisError(`prefix layer ${layer} is outside 0..${L - 1}`);
    const perGroup: Prefix['perGroup'] = [];
    try {
      for (let gi = 0; gi < this.groups.length; gi++) {
        const g = this.groups[gi];
        const rem = [removal(mask)];
        const diffs: (Tensor | undefined)[] = new Array(this.senderGroups.length).fill(undefined);
        const result = tf.tidy(() => {
          if (this.path === 'slots') return this.forwardSlots(g, rem, undefined, layer, diffs, true).reshape([g.B, g.T, -1]); // [B, T, D]
          diffs[0] = tf.keep(g.inputDiff.clone()); // [1, 1, N]
          const hooks = this.hooks(g, rem, diffs, 0, layer, true);
          const run = this.model.runWithCache(g.group.clean, [], { stopAtLayer: layer }, hooks);
          run.cache.dispose();
          return run.resid!; // [B, T, D]
        });
        perGroup.push({ resid: result, diffs });
        this.runs++;
        this.rowBlocks += g.B * layer;
      }
    } catch (err) {
      for (const p of perGroup) tf.dispose([p.resid, ...p.diffs.filter((d): d is Tensor => d !== undefined)]);
      throw err;
    }
    return {
      layer,
      perGroup,
      dispose() {
        for (const p of perGroup) tf.dispose([p.resid, ...p.diffs.filter((d): d is Tensor => d !== undefined)]);
      },
    };
  }

  private forwardGroup(gi: number, masks: readonly Presence[], prefix: Prefix['perGroup'][number] | undefined, prefixLayer: number | undefined): Tensor {
    const g = this.groups[gi];
    const k = masks.length;
    const rems = masks.map(removal);
    if (this.path === 'slots') {
      const L = this.model.config.nLayer;
      const diffs: (Tensor | undefined)[] = prefix ? [...prefix.diffs] : new Array(this.senderGroups.length).fill(undefined);
      const start = prefix ? { layer: prefixLayer as number, resid: prefix.resid.reshape([1, g.B * g.T, -1]) } : undefined; // [1, B*T, D]
      const resid = this.forwardSlots(g, rems, start, L, diffs, false); // [k|1, B, D]: last position, corrected for the logits
      const logits = slotLogits(this.model, resid, g.B, 1, this.slotW); // [k*B|B, V]
      return logits.shape[0] === k * g.B ? logits : tileCopies(logits, k); // [k*B, V]
    }
    const diffs: (Tensor | undefined)[] = prefix ? [...prefix.diffs] : new Array(this.senderGroups.length).fill(undefined);
    const start = prefix ? (prefixLayer as number) : 0;
    if (!prefix) diffs[0] = g.inputDiff; // [1, 1, N]
    const hooks = this.hooks(g, rems, diffs, start, this.model.config.nLayer, false);
    if (prefix) {
      const { logits, cache } = this.model.runFromLayer(start, tileCopies(prefix.resid, k), hooks, { logits: 'last' }); // resid [kB, T, D]
      cache.dispose();
      return logits!; // [kB, V]
    }
    const tokens: number[][] = [];
    for (let c = 0; c < k; c++) for (const row of g.group.clean) tokens.push(row);
    return this.model.runWithHooks(tokens, hooks, { logits: 'last' }); // [kB, V]
  }

  /**
   * The forward of slotForward.ts over layers start..stop-1 for k edge sets: returns the residual
   * [k|1, B*T, D] at block `stop`, or, when the run goes to the logits, the final residual at the
   * last position [k|1, B, D] corrected for the logits' removed edges (the final layer runs its
   * queries, MLP and head outputs at the last position only: nothing else reads them). Records
   * each needed sender's difference in `diffs`, indexed by sender node ([k|1, B*T*D], or
   * [k|1, B*D] in the final layer; kept with `keepAll`, for prefixes). Copies stay merged
   * (leading axis 1) until their edge sets differ.
   */
  private forwardSlots(g: GroupState, rems: Float32Array[], start: { layer: number; resid: Tensor } | undefined, stop: number, diffs: (Tensor | undefined)[], keepAll: boolean): Tensor {
    const graph = this.graph;
    const model = this.model;
    const { nLayer: L, nHead: H, attnOnly } = graph.shape;
    const { B, T } = g;
    const D = model.config.dModel;
    const N = B * T * D;
    const needed = this.neededSenders(rems);
    const keep = (t: Tensor): Tensor => (keepAll ? tf.keep(t) : t);
    const lastCache = new Map<Tensor, Tensor>();
    const stacks = new Map<string, Tensor>(); // sender differences stacked for slotCorrection
    /** A difference [k?, B*T*D] at the last position [k?, B*D] (already there when recorded in the final layer). */
    const atLast = (d: Tensor): Tensor => {
      if (T === 1 || (d.shape[1] as number) !== N) return d;
      let v = lastCache.get(d);
      if (!v) lastCache.set(d, (v = atPosition(d.reshape([-1, T, D]), T, T - 1).reshape([-1, B * D]))); // [k?, B*D]
      return v;
    };
    let resid: Tensor; // [k|1, B*T, D]
    if (start) {
      resid = start.resid;
    } else {
      resid = g.abl.cleanInput.reshape([1, B * T, D]);
      diffs[0] = keepAll ? tf.keep(g.inputDiff.reshape([1, N])) : g.inputDiff.reshape([1, N]); // [1, N]
    }
    for (let l = start?.layer ?? 0; l < stop; l++) {
      // One scope per layer: only the residual and the differences recorded here outlive it.
      const recorded: number[] = [];
      const input = resid;
      const kept = tf.tidy(() => {
        let resid = input; // [k|1, B*T, D]
        const final = l === L - 1 && stop === L;
        const Tq = final ? 1 : T;
        const slot0 = graph.layerSlotStart(l);
        const corrections = new Map<number, Tensor>(); // slot j = which * H + head -> [k|1, B*Tq (q) or B*T, D]
        for (let h = 0; h < H; h++) {
          for (let which = 0; which < 3; which++) {
            const lastOnly = final && which === 0;
            const corr = this.slotCorrection(rems, diffs, slot0 + 3 * h + which, stacks, lastOnly ? atLast : undefined); // [k|1, B*n*D]
            if (corr) corrections.set(which * H + h, corr.reshape([-1, B * (lastOnly ? 1 : T), D]));
          }
        }
        const { heads, attnOut } = slotAttention(model, this.slotW, l, resid, corrections, B, T, final); // H x [k|1, B*Tq, D], [k|1, B*Tq, D]
        if (final) resid = atPosition(resid, T, T - 1).reshape([-1, B, D]); // [k|1, B, D]
        heads.forEach((out, h) => {
          const node = graph.headNode(l, h);
          if (!needed[node] && !keepAll) return;
          const abl = final ? atLastRows(g.ablHeads[l][h], T) : g.ablHeads[l][h]; // [B|1, Tq, D]
          diffs[node] = keep(out.reshape([-1, B, Tq, D]).sub(abl).reshape([-1, B * Tq * D])); // [k|1, B*Tq*D]
          recorded.push(node);
        });
        resid = resid.add(attnOut); // [k|1, B*Tq, D]
        if (!attnOnly) {
          const corrMlp = this.slotCorrection(rems, diffs, graph.mlpSlot(l), stacks, final ? atLast : undefined); // [k|1, B*Tq*D]
          const mlpOut = slotMlp(model, l, corrMlp ? resid.sub(corrMlp.reshape([-1, B * Tq, D])) : resid, this.slotW); // [k|1, B*Tq, D]
          const node = graph.mlpNode(l);
          const abl = final ? atLastRows(g.abl.mlps[l], T) : g.abl.mlps[l]; // [B|1, Tq, D]
          if (needed[node] || keepAll) {
            diffs[node] = keep(mlpOut.reshape([-1, B, Tq, D]).sub(abl).reshape([-1, B * Tq * D])); // [k|1, B*Tq*D]
            recorded.push(node);
          }
          resid = resid.add(mlpOut); // [k|1, B*Tq, D]
        }
        return [resid, ...recorded.map((n) => diffs[n]!)];
      });
      resid = kept[0];
      stacks.clear(); // their tensors belonged to the layer's scope
      lastCache.clear();
    }
    if (stop === L) {
      const corr = this.slotCorrection(rems, diffs, graph.logitsSlot, stacks, atLast); // [k|1, B*D]
      if (corr) resid = resid.sub(corr.reshape([-1, B, D])); // [k|1, B, D]
    }
    return resid;
  }

  /**
   * Σ over removed senders of removal weight x difference for one receiver slot: [k, n], [1, n]
   * when every copy removes the same edges from differences shared by all copies, or undefined
   * when nothing is removed. `view` picks the positions read (the last only, for the final layer).
   * Shared differences go through one 2-D matMul; a difference that differs per copy is scaled
   * and added per sender (a batched matMul is slow on wasm).
   */
  private slotCorrection(rems: Float32Array[], diffs: (Tensor | undefined)[], slot: number, stacks: Map<string, Tensor>, view: (d: Tensor) => Tensor = (d) => d): Tensor | undefined {
    const k = rems.length;
    const first = this.graph.slotEdgeStart[slot];
    const senders = this.graph.slotSenderCount[slot];
    const shared: number[] = [];
    const perCopy: number[] = [];
    for (let s = 0; s < senders; s++) {
      let any = false;
      for (let c = 0; c < k && !any; c++) any = rems[c][first + s] !== 0;
      if (!any) continue;
      const d = diffs[s];
      if (!d) throw new Error(`internal: the difference of sender ${this.graph.nodeIds[s]} was not recorded`);
      (d.shape[0] === 1 ? shared : perCopy).push(s);
    }
    if (shared.length === 0 && perCopy.length === 0) return undefined;
    const weights = (list: number[]): Float32Array => {
      const w = new Float32Array(k * list.length); // [k, n]
      for (let c = 0; c < k; c++) list.forEach((s, i) => (w[c * list.length + i] = rems[c][first + s]));
      return w;
    };
    let acc: Tensor | undefined;
    if (shared.length) {
      const w = weights(shared);
      const n = shared.length;
      // Slots of one layer mostly share their senders: stack their differences once per forward.
      const key = `${shared.join(',')}@${view(diffs[shared[0]]!).shape[1]}`;
      let d = stacks.get(key);
      if (!d) stacks.set(key, (d = n === 1 ? view(diffs[shared[0]]!) : tf.concat(shared.map((s) => view(diffs[s]!))))); // [n, N]
      acc = sameForEveryCopy(w, k) ? tf.matMul(tf.tensor2d(w.subarray(0, n), [1, n]), d) : tf.matMul(tf.tensor2d(w, [k, n]), d); // [1|k, N]
    }
    if (perCopy.length) {
      const w = weights(perCopy);
      perCopy.forEach((s, i) => {
        const ws = new Float32Array(k);
        for (let c = 0; c < k; c++) ws[c] = w[c * perCopy.length + i];
        const term = view(diffs[s]!).mul(tf.tensor2d(ws, [k, 1])); // [k, N]
        acc = acc ? acc.add(term) : term;
      });
    }
    return acc;
  }

  /** Which senders have an edge removed (in any copy): their differences must be recorded. */
  private neededSenders(rems: Float32Array[]): Uint8Array {
    const needed = new Uint8Array(this.graph.senderCount);
    const sender = this.graph.edgeSender;
    for (const rem of rems) {
      for (let e = 0; e < rem.length; e++) if (rem[e] !== 0) needed[sender[e]] = 1;
    }
    return needed;
  }

  /**
   * Hooks for layers start..stop-1 (and the logits when stop is the last layer): subtract the
   * removed senders' differences from each receiver input, and record each sender group's
   * difference when a later receiver needs it (or always, with `keepAll`, for prefixes).
   */
  private hooks(g: GroupState, rems: Float32Array[], diffs: (Tensor | undefined)[], start: number, stop: number, keepAll: boolean): Hook[] {
    const graph = this.graph;
    const { nLayer: L, nHead: H, attnOnly } = graph.shape;
    const { B, T } = g;
    const D = this.model.config.dModel;
    const N = B * T * D;
    const k = rems.length;
    const needed = this.neededGroups(rems);
    const hooks: Hook[] = [];
    const keep = (t: Tensor): Tensor => (keepAll ? tf.keep(t) : t);

    /** Σ over removed senders before `senderLimit` of removal weight x difference: [k, R, N], or undefined. */
    const correction = (slotStart: number, R: number): Tensor | undefined => {
      const senderLimit = graph.slotSenderCount[slotStart];
      let acc: Tensor | undefined;
      this.senderGroups.forEach((sg, gi) => {
        if (sg.first >= senderLimit) return;
        const w = this.removalBlock(rems, slotStart, R, sg);
        if (!w) return;
        const d = diffs[gi];
        if (!d) throw new Error(`internal: the difference of sender group ${gi} was not recorded`);
        const term = d.shape[0] === 1
          ? tf.matMul(tf.tensor2d(w, [k * R, sg.size]), d.reshape([sg.size, N])).reshape([k, R, N]) // [k, R, N]
          : tf.matMul(tf.tensor3d(w, [k, R, sg.size]), d); // [k, R, N]
        acc = acc ? acc.add(term) : term;
      });
      return acc;
    };

    for (let l = start; l < stop; l++) {
      const slot0 = graph.layerSlotStart(l);
      if (this.blockHasRemoval(rems, slot0, 3 * H)) {
        let pending: Tensor[] = [];
        hooks.push({
          name: blockHook(l, 'hook_q_input'),
          fn: (x) => {
            const corr = correction(slot0, 3 * H); // [k, 3H, N], slots ordered head-major then q/k/v
            if (!corr) return undefined;
            const qkv = corr.reshape([k, H, 3, B, T, D]).transpose([2, 0, 3, 4, 1, 5]).reshape([3, k * B, T, H, D]); // [3, kB, T, H, D]
            pending = tf.unstack(qkv); // 3 x [kB, T, H, D]
            return x.sub(pending[0]);
          },
        });
        hooks.push({ name: blockHook(l, 'hook_k_input'), fn: (x) => (pending.length ? x.sub(pending[1]) : undefined) });
        hooks.push({ name: blockHook(l, 'hook_v_input'), fn: (x) => (pending.length ? x.sub(pending[2]) : undefined) });
      }
      const headGroup = this.groupOfNode[graph.headNode(l, 0)];
      if (needed[headGroup] || keepAll) {
        const ablHeads = g.abl.heads[l]; // [B|1, T, H, D]
        hooks.push({
          name: blockHook(l, 'attn.hook_result'),
          fn: (x) => {
            const diff = x.reshape([k, B, T, H, D]).sub(ablHeads.expandDims(0)); // [k, B, T, H, D]
            diffs[headGroup] = keep(diff.transpose([0, 3, 1, 2, 4]).reshape([k, H, N])); // [k, H, N]
          },
        });
      }
      if (!attnOnly) {
        const mlpSlot = graph.mlpSlot(l);
        if (this.blockHasRemoval(rems, mlpSlot, 1)) {
          hooks.push({
            name: blockHook(l, 'hook_mlp_in'),
            fn: (x) => {
              const corr = correction(mlpSlot, 1); // [k, 1, N]
              return corr ? x.sub(corr.reshape([k * B, T, D])) : undefined;
            },
          });
        }
        const mlpGroup = this.groupOfNode[graph.mlpNode(l)];
        if (needed[mlpGroup] || keepAll) {
          const ablMlp = g.abl.mlps[l]; // [B|1, T, D]
          hooks.push({
            name: blockHook(l, 'hook_mlp_out'),
            fn: (x) => {
              diffs[mlpGroup] = keep(x.reshape([k, B, T, D]).sub(ablMlp.expandDims(0)).reshape([k, 1, N])); // [k, 1, N]
            },
          });
        }
      }
    }
    if (stop === L && this.blockHasRemoval(rems, graph.logitsSlot, 1)) {
      hooks.push({
        name: blockHook(L - 1, 'hook_resid_post'),
        fn: (x) => {
          const corr = correction(graph.logitsSlot, 1); // [k, 1, N]
          return corr ? x.sub(corr.reshape([k * B, T, D])) : undefined;
        },
      });
    }
    return hooks;
  }

  /** Which sender groups have an edge removed (in any copy): their differences must be recorded. */
  private neededGroups(rems: Float32Array[]): Uint8Array {
    const needed = new Uint8Array(this.senderGroups.length);
    const sender = this.graph.edgeSender;
    for (const rem of rems) {
      for (let e = 0; e < rem.length; e++) if (rem[e] !== 0) needed[this.groupOfNode[sender[e]]] = 1;
    }
    return needed;
  }

  private blockHasRemoval(rems: Float32Array[], slotStart: number, R: number): boolean {
    const a = this.graph.slotEdgeStart[slotStart];
    const b = this.graph.slotEdgeStart[slotStart + R];
    for (const rem of rems) for (let e = a; e < b; e++) if (rem[e] !== 0) return true;
    return false;
  }

  /** Removal weights [k, R, n] of sender group sg into slots slotStart..+R, or undefined when all zero. */
  private removalBlock(rems: Float32Array[], slotStart: number, R: number, sg: SenderGroup): Float32Array | undefined {
    const k = rems.length;
    const w = new Float32Array(k * R * sg.size);
    let any = false;
    for (let c = 0; c < k; c++) {
      for (let r = 0; r < R; r++) {
        const base = this.graph.slotEdgeStart[slotStart + r] + sg.first;
        for (let s = 0; s < sg.size; s++) {
          const v = rems[c][base + s];
          if (v !== 0) {
            w[(c * R + r) * sg.size + s] = v;
            any = true;
          }
        }
      }
    }
    return any ? w : undefined;
  }
}

/** The last position of [B|1, T, D]: [B|1, 1, D]. */
function atLastRows(x: Tensor, T: number): Tensor {
  return take(x, 1, T - 1); // [B|1, 1, D]
}

/** Whether the k copies of a [k, ...] weight block are equal. */
function sameForEveryCopy(w: Float32Array, k: number): boolean {
  const n = w.length / k;
  for (let c = 1; c < k; c++) for (let i = 0; i < n; i++) if (w[c * n + i] !== w[i]) return false;
  return true;
}

function disposeState(s: GroupState): void {
  s.abl.dispose();
  tf.dispose([s.inputDiff, ...s.ablHeads.flat()]);
  s.copies.dispose();
}

/** 1 - presence, per edge. */
function removal(mask: Presence): Float32Array {
  const rem = new Float32Array(mask.length);
  for (let e = 0; e < mask.length; e++) rem[e] = 1 - mask[e];
  return rem;
}

async function scalar(t: Tensor): Promise<number> {
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}
