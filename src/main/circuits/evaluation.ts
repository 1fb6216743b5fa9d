/**
 * Scoring a circuit (IOI paper, section 4; MIB benchmark):
 * - faithfulness F(C) / F(M): the metric with every edge outside the circuit removed, over the
 *   full model's metric; and MIB's normalised f(C) = (F(C) - F(∅)) / (F(M) - F(∅));
 * - completeness: |F(C\K) - F(M\K)| for knock-out sets K of circuit nodes: random subsets, whole
 *   node classes, and a greedy search for the worst K;
 * - minimality: for each circuit node v, |F(C\(K∪{v})) - F(C\K)|;
 * - the faithfulness curve over circuit sizes with its area (CPR) and the area of |1 - f| (CMD);
 * - the overlap of two circuits: precision, recall and the ROC AUC of one method's scores
 *   against another circuit taken as reference.
 * Knocking out a node removes every edge out of it. All masks of a phase run batched.
 */
import type { EvaluationReferenceView } from '../../shared/api/circuitTypes';
import { mulberry32 } from '../engine/params';
import type { MetricKind } from '../analysis/metrics';
import type { AnalysisOptions } from '../analysis/progress';
import type { AblationKind } from './ablation';
import { countEdges, type ModelGraph } from './graph';
import type { EdgeRunner } from './intervene';
import { innerNodes, knockOutNodes, selectEdges } from './select';

export interface Faithfulness {
  /** F(C): metric of the circuit (everything outside it ablated). */
  circuit: number;
  /** F(M): metric of the full model. */
  full: number;
  /** F(∅): metric with every edge ablated. */
  empty: number;
  /** F(C) / F(M) (IOI paper). */
  ratio: number;
  /** (F(C) - F(∅)) / (F(M) - F(∅)) (MIB, ACDC). */
  normalized: number;
  edges: number;
}

export async function faithfulness(runner: EdgeRunner, mask: Uint8Array, opts: AnalysisOptions = {}): Promise<Faithfulness> {
  const g = runner.graph;
  const [circuit, empty] = await runner.evaluate([mask, g.fullMask(false)], opts);
  return faith(circuit, runner.baseline.clean, empty, countEdges(mask));
}

function faith(circuit: number, full: number, empty: number, edges: number): Faithfulness {
  return { circuit, full, empty, ratio: circuit / full, normalized: (circuit - empty) / (full - empty), edges };
}

export interface KnockOut {
  /** Node ids knocked out. */
  nodes: string[];
  circuit: number;
  full: number;
  /** |F(C\K) - F(M\K)|. */
  score: number;
}

export interface CompletenessOptions extends AnalysisOptions {
  /** Random knock-out sets (each circuit node in K with probability 1/2); default 10. */
  samples?: number;
  seed?: number;
  /** Node classes (name -> node ids) knocked out whole; default: the circuit's nodes of each layer. */
  classes?: Record<string, string[]>;
  /** Greedy steps (nodes added to the worst K); default 3. */
  greedySteps?: number;
}

export interface Completeness {
  random: KnockOut[];
  classes: (KnockOut & { name: string })[];
  /** The worst K after each greedy step. */
  greedy: KnockOut[];
  /** Largest score seen over all sets. */
  worst: number;
}

export async function completeness(runner: EdgeRunner, mask: Uint8Array, opts: CompletenessOptions = {}): Promise<Completeness> {
  const g = runner.graph;
  const nodes = innerNodes(g, mask);
  const full = g.fullMask();
  const evalSets = async (sets: number[][]): Promise<KnockOut[]> => {
    const masks = sets.flatMap((K) => [knockOutNodes(g, mask, K), knockOutNodes(g, full, K)]);
    const v = masks.length ? await runner.evaluate(masks, { signal: opts.signal }) : [];
    return sets.map((K, i) => ({ nodes: K.map((n) => g.nodeIds[n]), circuit: v[2 * i], full: v[2 * i + 1], score: Math.abs(v[2 * i] - v[2 * i + 1]) }));
  };
  const rand = mulberry32(opts.seed ?? 0);
  const randomSets = Array.from({ length: opts.samples ?? 10 }, () => nodes.filter(() => rand() < 0.5));
  const random = await evalSets(randomSets);

  const classSpec = opts.classes ?? defaultClasses(g, nodes);
  const classNames = Object.keys(classSpec);
  const classes = (await evalSets(classNames.map((name) => classSpec[name].map((id) => g.node(id))))).map((k, i) => ({ name: classNames[i], ...k }));

  const greedy: KnockOut[] = [];
  let K: number[] = [];
  for (let step = 0; step < (opts.greedySteps ?? 3); step++) {
    const candidates = nodes.filter((n) => !K.includes(n));
    if (candidates.length === 0) break;
    const tried = await evalSets(candidates.map((v) => [...K, v]));
    let best = 0;
    tried.forEach((t, i) => {
      if (t.score > tried[best].score) best = i;
    });
    K = [...K, candidates[best]];
    greedy.push(tried[best]);
  }
  const worst = Math.max(0, ...random.map((r) => r.score), ...classes.map((r) => r.score), ...greedy.map((r) => r.score));
  return { random, classes, greedy, worst };
}

function defaultClasses(g: ModelGraph, nodes: number[]): Record<string, string[]> {
  const classes: Record<string, string[]> = {};
  for (const n of nodes) {
    const key = `layer ${g.nodeLayer[n]}`;
    (classes[key] ??= []).push(g.nodeIds[n]);
  }
  return classes;
}

export interface MinimalityEntry {
  node: string;
  /** |F(C\(K∪{v})) - F(C\K)|. */
  drop: number;
  /** drop / |F(C)|. */
  relative: number;
}

/** For each circuit node v: the change when v is also knocked out of C\K (K per node, default empty). */
export async function minimality(runner: EdgeRunner, mask: Uint8Array, opts: AnalysisOptions & { k?: Record<string, string[]> } = {}): Promise<MinimalityEntry[]> {
  const g = runner.graph;
  const nodes = innerNodes(g, mask);
  const masks: Uint8Array[] = [];
  for (const v of nodes) {
    const K = (opts.k?.[g.nodeIds[v]] ?? []).map((id) => g.node(id));
    masks.push(knockOutNodes(g, mask, K), knockOutNodes(g, mask, [...K, v]));
  }
  const [fc] = await runner.evaluate([mask], { signal: opts.signal });
  const values = masks.length ? await runner.evaluate(masks, opts) : [];
  return nodes.map((v, i) => {
    const drop = Math.abs(values[2 * i + 1] - values[2 * i]);
    return { node: g.nodeIds[v], drop, relative: drop / Math.abs(fc) };
  });
}

/** Circuit sizes of the MIB faithfulness curve, as fractions of all edges. */
export const CURVE_FRACTIONS: readonly number[] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];

export interface CurvePoint {
  fraction: number;
  /** Edges asked for (ceil(fraction x all edges)) and left after pruning. */
  requested: number;
  edges: number;
  metric: number;
  /** Normalised faithfulness (F(C) - F(∅)) / (F(M) - F(∅)). */
  faithfulness: number;
}

export interface FaithfulnessCurve {
  points: CurvePoint[];
  /** Area under f over the edge fraction (trapezoids), MIB's CPR (higher is better). */
  cpr: number;
  /** Area under |1 - f|, MIB's CMD (lower is better). */
  cmd: number;
}

export async function faithfulnessCurve(runner: EdgeRunner, scores: Float32Array, opts: AnalysisOptions & { fractions?: readonly number[]; prune?: boolean } = {}): Promise<FaithfulnessCurve> {
  const g = runner.graph;
  const fractions = [...(opts.fractions ?? CURVE_FRACTIONS)].sort((a, b) => a - b);
  for (const f of fractions) if (!(f > 0 && f <= 1)) throw new Error(`curve fractions must lie in (0, 1], got ${f}`);
  const requested = fractions.map((f) => Math.min(g.edgeCount, Math.ceil(f * g.edgeCount)));
  const masks = requested.map((n) => selectEdges(g, scores, { topN: n, prune: opts.prune ?? true }));
  const values = await runner.evaluate([...masks, g.fullMask(false)], opts);
  const empty = values[values.length - 1];
  const full = runner.baseline.clean;
  const points = fractions.map((fraction, i) => ({ fraction, requested: requested[i], edges: countEdges(masks[i]), metric: values[i], faithfulness: (values[i] - empty) / (full - empty) }));
  return { points, cpr: trapezoid(points, (p) => p.faithfulness), cmd: trapezoid(points, (p) => Math.abs(1 - p.faithfulness)) };
}

function trapezoid(points: CurvePoint[], y: (p: CurvePoint) => number): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += ((points[i].fraction - points[i - 1].fraction) * (y(points[i]) + y(points[i - 1]))) / 2;
  return area;
}

export interface Overlap {
  /** |A ∩ R| / |A|. */
  precision: number;
  /** |A ∩ R| / |R|. */
  recall: number;
  intersection: number;
  a: number;
  reference: number;
  /** ROC AUC of |scores| as a classifier of reference membership (when scores are given). */
  rocAuc?: number;
}

export function overlap(a: Uint8Array, reference: Uint8Array, scores?: Float32Array): Overlap {
  if (a.length !== reference.length) throw new Error(`the circuits have ${a.length} and ${reference.length} edges: they belong to different graphs`);
  let both = 0;
  for (let e = 0; e < a.length; e++) if (a[e] && reference[e]) both++;
  const na = countEdges(a);
  const nr = countEdges(reference);
  const out: Overlap = { precision: na ? both / na : Number.NaN, recall: nr ? both / nr : Number.NaN, intersection: both, a: na, reference: nr };
  if (scores) out.rocAuc = rocAuc(scores, reference);
  return out;
}

/** ROC AUC of |score| against binary labels (Mann-Whitney U with average ranks for ties). */
export function rocAuc(scores: Float32Array | Float64Array, labels: Uint8Array): number {
  if (scores.length !== labels.length) throw new Error(`${scores.length} scores for ${labels.length} labels`);
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((x, y) => Math.abs(scores[x]) - Math.abs(scores[y]));
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && Math.abs(scores[idx[j + 1]]) === Math.abs(scores[idx[i]])) j++;
    for (let k = i; k <= j; k++) ranks[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  for (let e = 0; e < labels.length; e++) {
    if (labels[e]) {
      pos++;
      rankSum += ranks[e];
    }
  }
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** What an evaluation was measured on: the reference values and the setting, for the panel and reports. */
export interface EvaluationContext {
  metric: MetricKind;
  ablation: AblationKind;
  /** Prompts (items) the metric is averaged over. */
  n: number;
  dataset?: { id?: number; name?: string };
}

/**
 * The evaluation's headline numbers with everything needed to read them: F(C), F(M), F(∅),
 * faithfulness as F(C)/F(M) and normalised, completeness in metric units, minimality as a
 * fraction of |F(C)|, n, dataset, metric and ablation. The computation is faithfulness(),
 * completeness() and minimality() above; this only assembles their results.
 */
export function evaluationScores(faith: Faithfulness, complete: Completeness, minimal: MinimalityEntry[], context: EvaluationContext): EvaluationReferenceView {
  const smallest = minimal.length > 0 ? minimal.reduce((a, b) => (b.relative < a.relative ? b : a)) : undefined;
  return {
    metric: context.metric,
    ablation: context.ablation,
    n: context.n,
    dataset: context.dataset ?? {},
    fCircuit: faith.circuit,
    fFull: faith.full,
    fEmpty: faith.empty,
    faithfulness: faith.ratio,
    faithfulnessNormalised: faith.normalized,
    completeness: complete.worst,
    knockOutSets: complete.random.length + complete.classes.length + complete.greedy.length,
    minimality: smallest ? smallest.relative : null,
    minimalityNode: smallest ? smallest.node : null,
    edges: faith.edges,
    nodes: minimal.length,
  };
}
