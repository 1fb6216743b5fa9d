/**
 * Job handlers for the analyses (src/main/analysis), one export per job kind. Each runs in its
 * own worker thread: it opens the model, runs one analysis with progress and cancellation, and
 * returns the analysis' plain result object as the run's result summary.
 */
import {
  activationPatching,
  attentionPatterns,
  copyScores,
  directLogitAttribution,
  headCorrelation,
  logitLens,
  neuroscope,
  positionLabels,
  type CorrelationY,
  type MetricKind,
  type PatchDirection,
  type PatchTarget,
  type PromptSide,
} from '../../analysis';
import { AnalysisError } from '../../analysis/progress';
import { answerTokens } from '../../analysis/taskSource';
import { encodePrompt } from '../../services/prompt';
import type { Json } from '../../store';
import type { JobContext, JobOutput } from '../types';
import { closeJobModel, encodeItems, openJobModel, unitProgress, type DatasetJobParams } from './jobModel';
import type { ModelSession } from '../../services/modelSession';

export interface LogitLensJobParams extends DatasetJobParams {
  side?: PromptSide;
}
export interface DlaJobParams extends DatasetJobParams {
  side?: PromptSide;
}
export interface PatchingJobParams extends DatasetJobParams {
  target: PatchTarget;
  direction?: PatchDirection;
  metric?: MetricKind;
}
export interface AttentionJobParams extends DatasetJobParams {
  /** Which item's clean prompt (0-based). */
  item: number;
}
export interface CorrelationJobParams extends DatasetJobParams {
  layer: number;
  head: number;
  y?: CorrelationY;
}
export interface CopyScoresJobParams extends DatasetJobParams {
  k?: number;
}
export interface NeuroscopeJobParams extends DatasetJobParams {
  layer: number;
  neuron: number;
  k?: number;
}

/** Open the model, run `body`, always free the model; the result becomes the run's summary. */
async function withModel(params: DatasetJobParams, ctx: JobContext, name: string, body: (session: ModelSession) => Promise<object>): Promise<JobOutput> {
  const session = await openJobModel(params.modelDir, ctx);
  try {
    const result = await body(session);
    ctx.progress(1, 'Done');
    return { name, summary: result as Json };
  } finally {
    closeJobModel(session);
  }
}

const labelsOf = (session: ModelSession) => (ids: number[]) => positionLabels(session.tokenizer, ids);

export async function logitLensJob(params: LogitLensJobParams, ctx: JobContext): Promise<JobOutput> {
  return withModel(params, ctx, 'logit-lens', (s) =>
    logitLens(s.model, encodeItems(s, params.items), { side: params.side, signal: ctx.signal, onProgress: unitProgress(ctx, 'Logit lens') }),
  );
}

export async function dlaJob(params: DlaJobParams, ctx: JobContext): Promise<JobOutput> {
  return withModel(params, ctx, 'dla', (s) =>
    directLogitAttribution(s.model, encodeItems(s, params.items), { side: params.side, signal: ctx.signal, onProgress: unitProgress(ctx, 'Direct logit attribution') }, labelsOf(s)),
  );
}

export async function patchingJob(params: PatchingJobParams, ctx: JobContext): Promise<JobOutput> {
  return withModel(params, ctx, 'patching', (s) =>
    activationPatching(s.model, encodeItems(s, params.items), {
      target: params.target,
      direction: params.direction,
      metric: params.metric,
      positionLabels: labelsOf(s),
      signal: ctx.signal,
      onProgress: unitProgress(ctx, `Patching ${params.target}`),
    }),
  );
}

export async function attentionJob(params: AttentionJobParams, ctx: JobContext): Promise<JobOutput> {
  const item = params.items[params.item];
  if (!item) throw new AnalysisError(`item ${params.item} does not exist: the dataset has ${params.items.length} items (0 to ${params.items.length - 1})`);
  return withModel(params, ctx, 'attention', async (s) => {
    const ids = encodePrompt(s.tokenizer, s.config, item.clean);
    const result = await attentionPatterns(s.model, ids, s.tokenizer.tokenStrings(ids));
    return { ...result, item: params.item, prompt: item.clean };
  });
}

export async function correlationJob(params: CorrelationJobParams, ctx: JobContext): Promise<JobOutput> {
  return withModel(params, ctx, 'correlation', (s) =>
    headCorrelation(s.model, encodeItems(s, params.items), params.layer, params.head, { y: params.y, signal: ctx.signal, onProgress: unitProgress(ctx, 'Correlation') }),
  );
}

export async function copyScoresJob(params: CopyScoresJobParams, ctx: JobContext): Promise<JobOutput> {
  return withModel(params, ctx, 'copy-scores', async (s) => {
    const tokens = answerTokens(params.items, s.tokenizer);
    const result = await copyScores(s.model, tokens, { k: params.k, signal: ctx.signal, onProgress: unitProgress(ctx, 'Copy scores') });
    return { ...result, tokenLabels: s.tokenizer.tokenStrings(tokens) };
  });
}

export async function neuroscopeJob(params: NeuroscopeJobParams, ctx: JobContext): Promise<JobOutput> {
  return withModel(params, ctx, 'neuroscope', (s) => {
    const prompts = params.items.map((item) => encodePrompt(s.tokenizer, s.config, item.clean));
    return neuroscope(s.model, prompts, params.layer, params.neuron, {
      k: params.k,
      tokenLabels: (ids) => s.tokenizer.tokenStrings(ids),
      signal: ctx.signal,
      onProgress: unitProgress(ctx, 'Neuroscope'),
    });
  });
}
