/**
 * Job handlers for circuit discovery, run in the job runner's worker threads. ACDC checkpoints
 * its state after every step, so a run cancelled or killed mid-way resumes (JobRunner.resume) to
 * the circuit an uninterrupted run finds. Register with registerCircuitJobs(registry).
 */
import type { Json } from '../../store';
import type { JobContext, JobHandler, JobOutput } from '../types';
import type { JobRegistry } from '../registry';
import { initBackend } from '../../engine/backend';
import type { MetricKind } from '../../analysis/metrics';
import type { AblationKind } from '../../circuits/ablation';
import type { AcdcState } from '../../circuits/acdc';
import { acdcCircuit, attributionCircuit, promptBatchFor, type DataSpec } from '../../circuits/service';
import { openModel } from '../../services/modelSession';

export const CIRCUIT_JOB_KINDS = { acdc: 'circuit.acdc', attribution: 'circuit.attribution' } as const;

export interface AcdcJobParams {
  modelDir: string;
  data: DataSpec;
  tau: number;
  metric?: MetricKind;
  ablation?: AblationKind;
  maxBatch?: number;
  maxRowTokens?: number;
  startFrom?: { steps?: number; topN: number };
  name?: string;
}

export interface AttributionJobParams {
  modelDir: string;
  data: DataSpec;
  steps?: number;
  metric?: MetricKind;
  ablation?: AblationKind;
  topN?: number;
  threshold?: number;
  curve?: boolean;
  name?: string;
}

async function load(modelDir: string, data: DataSpec) {
  await initBackend();
  const session = await openModel(modelDir);
  return { session, batch: promptBatchFor(session.tokenizer, session.config, data) };
}

export const acdcJob: JobHandler<AcdcJobParams> = async (params, ctx: JobContext): Promise<JobOutput> => {
  const { session, batch } = await load(params.modelDir, params.data);
  try {
    const report = await acdcCircuit(session.model, batch, {
      tau: params.tau,
      metric: params.metric,
      ablation: params.ablation,
      maxBatch: params.maxBatch,
      maxRowTokens: params.maxRowTokens,
      startFrom: params.startFrom,
      name: params.name,
      resumeState: ctx.resumeState as AcdcState | undefined,
      signal: ctx.signal,
      onState: (s) => {
        ctx.checkpoint(s as unknown as Json);
        ctx.progress(s.next / s.edgeCount, `edges tried ${s.tried}, kept ${s.kept}; ${s.removed + s.skipped} of ${s.edgeCount} removed`);
      },
    });
    const { mask, state, ...summary } = report;
    return {
      summary: { ...summary, resumedFrom: ctx.resumeState ? (ctx.resumeState as unknown as AcdcState).next : null, finalState: { ...state, present: undefined, scores: undefined } } as unknown as Json, // the circuit's edges carry their ACDC scores
      tensors: { mask: Int32Array.from(mask) }, // [edges] 1 = in the circuit (canonical edge order)
    };
  } finally {
    session.model.dispose();
  }
};

export const attributionJob: JobHandler<AttributionJobParams> = async (params, ctx: JobContext): Promise<JobOutput> => {
  const { session, batch } = await load(params.modelDir, params.data);
  try {
    const report = await attributionCircuit(session.model, batch, {
      steps: params.steps,
      metric: params.metric,
      ablation: params.ablation,
      topN: params.topN,
      threshold: params.threshold,
      curve: params.curve,
      name: params.name,
      signal: ctx.signal,
      onProgress: (done, total) => ctx.progress(done / total, `gradient passes ${done} of ${total}`),
    });
    const { scores, selection, ...summary } = report;
    const tensors: Record<string, Float32Array | Int32Array> = { scores }; // [edges], canonical edge order
    if (selection) tensors.mask = Int32Array.from(selection.mask);
    const selectionSummary = selection ? { ...selection, mask: undefined } : undefined;
    return { summary: JSON.parse(JSON.stringify({ ...summary, selection: selectionSummary })) as Json, tensors };
  } finally {
    session.model.dispose();
  }
};

/**
 * Register the circuit job kinds ('circuit.acdc', 'circuit.attribution') with a job registry.
 * `moduleUrl` is where a worker finds this module: a bundle places it beside its entry.
 */
export function registerCircuitJobs(registry: JobRegistry, moduleUrl: URL = new URL(import.meta.url)): JobRegistry {
  return registry.register(CIRCUIT_JOB_KINDS.acdc, moduleUrl, 'acdcJob').register(CIRCUIT_JOB_KINDS.attribution, moduleUrl, 'attributionJob');
}
