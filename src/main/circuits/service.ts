/**
 * Circuit discovery as main-process services: plain functions over a loaded model that return
 * JSON-ready reports. The CLI (`circuit-workbench circuit ...`) and the job handlers call these.
 */
import type { ModelConfig } from '../engine/config';
import type { HookedGPT2 } from '../engine/model';
import { generate, type Split, type TaskItem, type TaskName } from '../datasets';
import { TASK_NAMES } from '../datasets/types';
import type { MetricKind } from '../analysis/metrics';
import type { AnalysisOptions } from '../analysis/progress';
import { AnalysisError } from '../analysis/progress';
import { batchFromTokens, encodeTaskItems, type PromptBatch, type TokenPair } from '../analysis/promptBatch';
import type { Tokenizer } from '../tokenizer/types';
import type { AblationKind } from './ablation';
import { runAcdc, type AcdcState } from './acdc';
import { edgeAttribution } from './eap';
import { faithfulness, faithfulnessCurve, type Faithfulness, type FaithfulnessCurve } from './evaluation';
import { countEdges } from './graph';
import { EdgeRunner } from './intervene';
import { exportCircuit, type CircuitDocument } from './json';
import { rankEdges, selectEdges } from './select';

/** Where the prompts come from: generated task items, given items, or pre-tokenised pairs. */
export interface DataSpec {
  task?: TaskName;
  n?: number;
  seed?: number;
  split?: Split;
  items?: TaskItem[];
  pairs?: TokenPair[];
}

export function promptBatchFor(tokenizer: Tokenizer | undefined, config: ModelConfig, spec: DataSpec): PromptBatch {
  if (spec.pairs) return batchFromTokens(spec.pairs);
  let items = spec.items;
  if (!items) {
    if (!spec.task) throw new AnalysisError('choose the prompts: a task (ioi, comparison, latest), a dataset file, or token pairs');
    if (!TASK_NAMES.includes(spec.task)) throw new AnalysisError(`unknown task "${spec.task}" (one of ${TASK_NAMES.join(', ')})`);
    items = generate(spec.task, { n: spec.n ?? 32, seed: spec.seed ?? 0, split: spec.split ?? 'train' });
  }
  if (!tokenizer) throw new AnalysisError('task items need the model\'s tokenizer');
  return encodeTaskItems(items, tokenizer, config);
}

export interface RunSettings {
  metric?: MetricKind;
  ablation?: AblationKind;
  maxRowTokens?: number;
}

export interface AcdcReport {
  method: { name: 'acdc'; tau: number; metric: MetricKind; ablation: AblationKind; start?: string };
  prompts: number;
  totalEdges: number;
  edges: number;
  tried: number;
  kept: number;
  removed: number;
  skipped: number;
  forwardRuns: number;
  faithfulness: Faithfulness;
  circuit: CircuitDocument;
  mask: Uint8Array;
  state: AcdcState;
}

export interface AcdcServiceOptions extends RunSettings, AnalysisOptions {
  tau: number;
  maxBatch?: number;
  /** "EAP first, then ACDC on what survives": start from the top-n edges of EAP(-IG) scores. */
  startFrom?: { steps?: number; topN: number };
  resumeState?: AcdcState;
  onState?: (s: AcdcState) => void | Promise<void>;
  name?: string;
}

export async function acdcCircuit(model: HookedGPT2, batch: PromptBatch, opts: AcdcServiceOptions): Promise<AcdcReport> {
  const runner = await EdgeRunner.create(model, batch, opts);
  try {
    let initialMask: Uint8Array | undefined;
    if (opts.startFrom && !opts.resumeState) {
      const attribution = await edgeAttribution(model, batch, { metric: opts.metric, ablation: opts.ablation, steps: opts.startFrom.steps, signal: opts.signal });
      initialMask = selectEdges(runner.graph, attribution.scores, { topN: opts.startFrom.topN });
    }
    const result = await runAcdc(runner, { tau: opts.tau, maxBatch: opts.maxBatch, initialMask, resumeState: opts.resumeState, onState: opts.onState, onProgress: opts.onProgress, signal: opts.signal });
    const faith = await faithfulness(runner, result.mask);
    const s = result.state;
    const method = { name: 'acdc' as const, tau: opts.tau, metric: runner.metricKind, ablation: runner.ablation, ...(opts.startFrom ? { start: `top ${opts.startFrom.topN} edges of ${opts.startFrom.steps ? `EAP-IG (${opts.startFrom.steps} steps)` : 'EAP'}` } : {}) };
    return {
      method,
      prompts: batch.size,
      totalEdges: runner.graph.edgeCount,
      edges: result.edges,
      tried: s.tried,
      kept: s.kept,
      removed: s.removed,
      skipped: s.skipped,
      forwardRuns: runner.runs,
      faithfulness: faith,
      circuit: exportCircuit(runner.graph, result.mask, { name: opts.name ?? `ACDC tau=${opts.tau}`, method, scores: keptScores(result.mask, result.scores) }),
      mask: result.mask,
      state: s,
    };
  } finally {
    runner.dispose();
  }
}

/** ACDC's scores for the circuit's edges (the metric change when each was tried), or none when a kept edge has no score (a run resumed from an old checkpoint). */
function keptScores(mask: Uint8Array, scores: Float32Array): Float32Array | undefined {
  for (let e = 0; e < mask.length; e++) if (mask[e] && !Number.isFinite(scores[e])) return undefined;
  return scores.map((x, e) => (mask[e] ? x : 0));
}

export interface AttributionReport {
  method: { name: 'eap' | 'eap-ig'; steps: number; metric: MetricKind; ablation: AblationKind };
  prompts: number;
  totalEdges: number;
  /** Highest |score| edges first. */
  top: { edge: string; score: number }[];
  scores: Float32Array;
  selection?: { topN?: number; threshold?: number; edges: number; faithfulness: Faithfulness; circuit: CircuitDocument; mask: Uint8Array };
  curve?: FaithfulnessCurve;
  seconds: number;
}

export interface AttributionServiceOptions extends RunSettings, AnalysisOptions {
  steps?: number;
  topN?: number;
  threshold?: number;
  curve?: boolean;
  listTop?: number;
  name?: string;
}

export async function attributionCircuit(model: HookedGPT2, batch: PromptBatch, opts: AttributionServiceOptions): Promise<AttributionReport> {
  const started = performance.now();
  const attribution = await edgeAttribution(model, batch, { metric: opts.metric, ablation: opts.ablation, steps: opts.steps, signal: opts.signal, onProgress: opts.onProgress });
  const seconds = (performance.now() - started) / 1000;
  const g = attribution.graph;
  const order = rankEdges(attribution.scores);
  const method = { name: attribution.method, steps: attribution.steps, metric: attribution.metric, ablation: attribution.ablation };
  const report: AttributionReport = {
    method,
    prompts: batch.size,
    totalEdges: g.edgeCount,
    top: Array.from(order.slice(0, opts.listTop ?? 20), (e) => ({ edge: g.edgeName(e), score: attribution.scores[e] })),
    scores: attribution.scores,
    seconds,
  };
  if (opts.topN !== undefined || opts.threshold !== undefined || opts.curve) {
    const runner = await EdgeRunner.create(model, batch, opts);
    try {
      if (opts.topN !== undefined || opts.threshold !== undefined) {
        const mask = selectEdges(g, attribution.scores, { topN: opts.topN, threshold: opts.threshold });
        report.selection = {
          topN: opts.topN,
          threshold: opts.threshold,
          edges: countEdges(mask),
          faithfulness: await faithfulness(runner, mask, { signal: opts.signal }),
          circuit: exportCircuit(g, mask, { name: opts.name ?? `${method.name} ${opts.topN !== undefined ? `top ${opts.topN}` : `|score| >= ${opts.threshold}`}`, method, scores: attribution.scores }),
          mask,
        };
      }
      if (opts.curve) report.curve = await faithfulnessCurve(runner, attribution.scores, { signal: opts.signal });
    } finally {
      runner.dispose();
    }
  }
  return report;
}
