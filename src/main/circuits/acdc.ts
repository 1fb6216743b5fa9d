/**
 * ACDC (Conmy et al. 2023) as a pure, resumable iteration: state in, state out, deterministic.
 *
 * Receivers are visited from the logits back to the embeddings (reverse node order: logits,
 * m{L-1}, a{L-1}.h{H-1} .. a{L-1}.h0, m{L-2}, ...). At each receiver every incoming edge that is
 * still present is removed in turn (senders latest first; for heads q, k, v of each sender) and
 * stays removed if the metric moves less than tau from the current graph's metric (KL: increases
 * by less than tau; logit difference: |change| < tau). A receiver whose output no longer reaches
 * anything loses all its incoming edges untested, as in ACDC.
 *
 * Speed without changing the answer: a step evaluates up to `maxBatch` trials along the batch
 * axis as one speculative chain. Trial i removes edge i from the graph the chain predicts after
 * the decisions before it: an edge is predicted kept when an earlier trial of it (discarded by a
 * misprediction) changed the metric by tau or more against the chain's graph before it, else
 * removed. The decisions are then read in order; the first one that differs from its prediction
 * ends the step, and the trials after it are discarded (their changes become the next step's
 * predictions). Every decision therefore equals the serial algorithm's. A chain holds at most
 * `maxBlind` edges never measured before (blind guesses are where chains break): on the bundled
 * model, 32 prompts, this cut the forward-equivalents from 268 with unbounded chains to 160
 * (docs/performance.md section 10).
 * Each trial starts at the receiver's layer from a cached prefix of the current graph
 * (edges into earlier layers do not change while a layer is being visited).
 */
import { throwIfAborted, type AnalysisOptions } from '../analysis/progress';
import type { MetricKind } from '../analysis/metrics';
import type { AblationKind } from './ablation';
import { countEdges, type ModelGraph } from './graph';
import type { EdgeRunner, Prefix } from './intervene';
import { decodeMask, encodeMask } from './maskCodec';

export interface AcdcOptions {
  tau: number;
  /** Trials per batched forward pass (default 32). Does not change the result. */
  maxBatch?: number;
  /** Edges never measured before, per step (default 4). Does not change the result. */
  maxBlind?: number;
  /** Start from this edge set instead of the full graph ("EAP first, then ACDC on what survives"). */
  initialMask?: Uint8Array;
}

/** Everything ACDC needs to continue: JSON-serialisable, so it is the job's checkpoint. */
export interface AcdcState {
  format: 'acdc-state@1';
  tau: number;
  metric: MetricKind;
  ablation: AblationKind;
  edgeCount: number;
  /** Present edges, packed bits in base64 (see maskCodec). */
  present: string;
  /** Position in the visiting order of the next edge to consider. */
  next: number;
  /** Metric of the current graph. */
  current: number;
  /** Metric of the full graph at the start. */
  start: number;
  tried: number;
  kept: number;
  removed: number;
  /** Edges dropped untested because their receiver's output reaches nothing. */
  skipped: number;
  steps: number;
  done: boolean;
  /**
   * Per edge (canonical order), the metric change measured when the edge was tried: the trial's
   * metric minus the current graph's (float32, base64; NaN = not tried). Absent in checkpoints
   * written before edge scores were kept.
   */
  scores?: string;
}

export interface AcdcOrder {
  /** Edge indices in visiting order. */
  edges: Int32Array;
  /** Receiver node of each position. */
  node: Int32Array;
  /** Position of the first edge of the node at each position (so a step knows where a node begins). */
  nodeStart: Int32Array;
  /** One past the last position of the node at each position. */
  nodeEnd: Int32Array;
}

const orders = new WeakMap<ModelGraph, AcdcOrder>();

export function acdcOrder(g: ModelGraph): AcdcOrder {
  const cached = orders.get(g);
  if (cached) return cached;
  const edges = new Int32Array(g.edgeCount);
  const node = new Int32Array(g.edgeCount);
  const nodeStart = new Int32Array(g.edgeCount);
  const nodeEnd = new Int32Array(g.edgeCount);
  let p = 0;
  for (let n = g.nodeCount - 1; n >= 1; n--) {
    const slots = g.slotsOf(n);
    const first = p;
    const senders = g.slotSenderCount[slots[0]];
    for (let s = senders - 1; s >= 0; s--) {
      for (const r of slots) {
        edges[p] = g.slotEdgeStart[r] + s;
        node[p] = n;
        p++;
      }
    }
    nodeStart.fill(first, first, p);
    nodeEnd.fill(p, first, p);
  }
  const order = { edges, node, nodeStart, nodeEnd };
  orders.set(g, order);
  return order;
}

export function acdcInitialState(runner: EdgeRunner, opts: AcdcOptions, startMetric: number): AcdcState {
  const g = runner.graph;
  if (!Number.isFinite(opts.tau) || opts.tau < 0) throw new Error(`tau must be a non-negative number, got ${opts.tau}`);
  const mask = opts.initialMask ? opts.initialMask.slice() : g.fullMask();
  if (mask.length !== g.edgeCount) throw new Error(`the initial mask has ${mask.length} entries; the graph has ${g.edgeCount} edges`);
  return {
    format: 'acdc-state@1',
    tau: opts.tau,
    metric: runner.metricKind,
    ablation: runner.ablation,
    edgeCount: g.edgeCount,
    present: encodeMask(mask),
    next: 0,
    current: startMetric,
    start: startMetric,
    tried: 0,
    kept: 0,
    removed: 0,
    skipped: 0,
    steps: 0,
    done: false,
    scores: encodeScores(new Float32Array(g.edgeCount).fill(Number.NaN)),
  };
}

/** Edge scores as base64 float32 (the checkpoint's spelling). */
export function encodeScores(scores: Float32Array): string {
  return Buffer.from(scores.buffer, scores.byteOffset, scores.byteLength).toString('base64');
}

/** The edge scores of a state: NaN for edges not tried (all NaN for a checkpoint without scores). */
export function decodeScores(state: Pick<AcdcState, 'scores' | 'edgeCount'>): Float32Array {
  if (state.scores === undefined) return new Float32Array(state.edgeCount).fill(Number.NaN);
  const bytes = Buffer.from(state.scores, 'base64');
  if (bytes.length !== 4 * state.edgeCount) throw new Error(`the ACDC edge scores hold ${bytes.length} bytes; ${state.edgeCount} edges need ${4 * state.edgeCount}`);
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

/** Check that a checkpoint belongs to this graph, metric and ablation. */
export function checkAcdcState(state: unknown, runner: EdgeRunner): AcdcState {
  const s = state as Partial<AcdcState> | null;
  const where = 'ACDC checkpoint';
  if (!s || typeof s !== 'object' || s.format !== 'acdc-state@1') throw new Error(`${where}: not an ACDC state (format ${JSON.stringify(s?.format)})`);
  if (s.edgeCount !== runner.graph.edgeCount) throw new Error(`${where}: made for a graph of ${s.edgeCount} edges, this model has ${runner.graph.edgeCount}`);
  if (s.metric !== runner.metricKind) throw new Error(`${where}: made with metric ${s.metric}, resumed with ${runner.metricKind}`);
  if (s.ablation !== runner.ablation) throw new Error(`${where}: made with ${s.ablation} ablation, resumed with ${runner.ablation}`);
  if (!Number.isInteger(s.next) || (s.next as number) < 0 || (s.next as number) > runner.graph.edgeCount) throw new Error(`${where}: "next" ${s.next} is out of range`);
  decodeMask(s.present as string, runner.graph.edgeCount);
  decodeScores(s as AcdcState);
  return s as AcdcState;
}

/** Caches the prefix of the current graph at one layer (valid while that layer is visited). */
export class PrefixCache {
  private entry: { layer: number; prefix: Prefix } | undefined;

  get(runner: EdgeRunner, layer: number, mask: Uint8Array): Prefix {
    if (this.entry?.layer === layer) return this.entry.prefix;
    this.dispose();
    const prefix = runner.prefix(layer, mask);
    this.entry = { layer, prefix };
    return prefix;
  }

  dispose(): void {
    this.entry?.prefix.dispose();
    this.entry = undefined;
  }
}

function accepts(metric: MetricKind, trial: number, current: number, tau: number): boolean {
  return metric === 'kl' ? trial - current < tau : Math.abs(trial - current) < tau;
}

/** Whether any present edge leaves `node`. */
function hasOutgoing(g: ModelGraph, mask: Uint8Array, node: number): boolean {
  for (let r = 0; r < g.slotCount; r++) {
    if (g.slotSenderCount[r] > node && mask[g.slotEdgeStart[r] + node]) return true;
  }
  return false;
}

export interface AcdcStepOptions {
  maxBatch?: number;
  maxBlind?: number;
  prefixes?: PrefixCache;
  signal?: AbortSignal;
}

/** One step: a dead receiver skipped, or one batched forward pass of trials. Returns the next state. */
export async function acdcStep(runner: EdgeRunner, state: AcdcState, opts: AcdcStepOptions = {}): Promise<AcdcState> {
  if (state.done) return state;
  const g = runner.graph;
  const order = acdcOrder(g);
  const mask = decodeMask(state.present, g.edgeCount);
  const next = { ...state, steps: state.steps + 1 };
  let p = state.next;
  // Skip edges already absent (an initial mask, or an earlier dead receiver).
  while (p < order.edges.length && !mask[order.edges[p]]) p++;
  if (p >= order.edges.length) return { ...next, next: p, done: true };
  const node = order.node[p];
  const end = order.nodeEnd[p];
  if (node !== g.logitsNode && !hasOutgoing(g, mask, node)) {
    for (let q = p; q < end; q++) {
      if (mask[order.edges[q]]) {
        mask[order.edges[q]] = 0;
        next.skipped++;
      }
    }
    return finish(next, mask, end, order.edges.length);
  }
  const scores = decodeScores(state);
  const candidates: number[] = [];
  const maxBatch = Math.max(1, opts.maxBatch ?? 32);
  const maxBlind = Math.max(1, opts.maxBlind ?? 4);
  let blind = 0;
  for (let q = p; q < end && candidates.length < maxBatch; q++) {
    const e = order.edges[q];
    if (!mask[e]) continue;
    if (Number.isNaN(scores[e]) && blind++ === maxBlind) break;
    candidates.push(q);
  }
  const trials: Uint8Array[] = [];
  const predictedRemoved: boolean[] = [];
  const trialMask = mask.slice();
  for (const q of candidates) {
    const e = order.edges[q];
    trialMask[e] = 0;
    trials.push(trialMask.slice());
    // the change measured in a discarded trial, else removal
    const removed = Number.isNaN(scores[e]) || accepts(state.metric, state.current + scores[e], state.current, state.tau);
    predictedRemoved.push(removed);
    if (!removed) trialMask[e] = 1; // later trials of the chain keep it
  }
  const L = g.shape.nLayer;
  const layer = Math.min(g.nodeLayer[node], L - 1);
  const prefixes = opts.prefixes ?? new PrefixCache();
  let values: number[];
  try {
    const prefix = layer > 0 ? prefixes.get(runner, layer, mask) : undefined;
    values = await runner.evaluate(trials, { prefix, signal: opts.signal });
  } finally {
    if (!opts.prefixes) prefixes.dispose();
  }
  // Each trial's change against the chain's graph before it (the last trial predicted removed):
  // after a misprediction, the best guess of the edge's own effect for the next step.
  const marginal: number[] = [];
  let chainBase = state.current;
  for (let i = 0; i < candidates.length; i++) {
    marginal.push(values[i] - chainBase);
    if (predictedRemoved[i]) chainBase = values[i];
  }
  let decided = candidates.length;
  for (let i = 0; i < candidates.length; i++) {
    const e = order.edges[candidates[i]];
    next.tried++;
    scores[e] = values[i] - next.current;
    const removed = accepts(state.metric, values[i], next.current, state.tau);
    if (removed) {
      mask[e] = 0;
      next.current = values[i];
      next.removed++;
    } else {
      next.kept++;
    }
    if (removed !== predictedRemoved[i]) {
      decided = i + 1;
      break;
    }
  }
  // Discarded trials ran on a mispredicted graph: their changes only predict (every such edge is
  // tried again later in this receiver, which overwrites the score).
  for (let i = decided; i < candidates.length; i++) scores[order.edges[candidates[i]]] = marginal[i];
  const resumeAt = candidates[decided - 1] + 1;
  next.scores = encodeScores(scores);
  return finish(next, mask, resumeAt, order.edges.length);
}

function finish(state: AcdcState, mask: Uint8Array, nextPos: number, total: number): AcdcState {
  return { ...state, present: encodeMask(mask), next: nextPos, done: nextPos >= total };
}

export interface AcdcRunOptions extends AcdcOptions, AnalysisOptions {
  /** Continue from this state (a checkpoint) instead of starting afresh. */
  resumeState?: AcdcState;
  /** Called with every new state (write the checkpoint here). */
  onState?: (state: AcdcState) => void | Promise<void>;
}

export interface AcdcResult {
  state: AcdcState;
  /** Edges ACDC kept. */
  mask: Uint8Array;
  edges: number;
  /** Per edge, the metric change when ACDC tried removing it (trial - current); NaN where not tried. */
  scores: Float32Array;
  /** Steps (batched forwards or skips) made by this call (after a resume: since the resume). */
  stepsThisRun: number;
}

/** Run ACDC to the end (or from a checkpoint), reporting progress as edges visited of all edges. */
export async function runAcdc(runner: EdgeRunner, opts: AcdcRunOptions): Promise<AcdcResult> {
  let state = opts.resumeState ? checkAcdcState(opts.resumeState, runner) : acdcInitialState(runner, opts, runner.baseline.clean);
  const total = runner.graph.edgeCount;
  const prefixes = new PrefixCache();
  let steps = 0;
  try {
    while (!state.done) {
      throwIfAborted(opts.signal);
      state = await acdcStep(runner, state, { maxBatch: opts.maxBatch, maxBlind: opts.maxBlind, prefixes, signal: opts.signal });
      steps++;
      await opts.onState?.(state);
      opts.onProgress?.(Math.min(state.next, total), total);
    }
  } finally {
    prefixes.dispose();
  }
  const mask = decodeMask(state.present, total);
  return { state, mask, edges: countEdges(mask), scores: decodeScores(state), stepsThisRun: steps };
}
