/**
 * Job handlers for the analyses (src/main/analysis), one export per job kind. Each runs in its
 * own worker thread: it opens the model, runs one analysis with progress and cancellation, and
 * returns the analysis' plain result object as the run's result summary.
 */
import {
  activationPatching,
  attentionPatterns,
  copyScores,
  headCorrelation,
  logitLens,
  namedPositions,
  neuroscope,
  positionLabels,
  type CopyInput,
  type CorrelationY,
  type MetricKind,
  type PatchDirection,
  type PatchTarget,
  type PromptSide,
} from '../../analysis';
import { AnalysisError } from '../../analysis/progress';
import { attributionPatching } from '../../analysis/attribution/atpStar';
import type { PatchOptions } from '../../analysis/patching';
import { lensTopTokens } from '../../analysis/lensTopTokens';
import { positionGroups, slotPositions } from '../../analysis/positionGroups';
import { dlaPanels, isPositionalTarget, patchingPanels } from '../../analysis/positionPanels';
import { answerTokens, copyScoreCandidates } from '../../analysis/taskSource';
import { encodePrompt } from '../../services/prompt';
import type { Json } from '../../store';
import type { JobContext, JobOutput } from '../types';
import { closeJobModel, encodeItems, openJobModel, unitProgress, type DatasetJobParams } from './jobModel';
import type { ModelSession } from '../../services/modelSession';

export interface LogitLensJobParams extends DatasetJobParams {
  side?: PromptSide;
  /** Top tokens per stage and position for this item's prompt (on `side`); default item 0. */
  item?: number;
  /** How many top tokens (default 5). */
  k?: number;
}
export interface DlaJobParams extends DatasetJobParams {
  side?: PromptSide;
}
export interface PatchingJobParams extends DatasetJobParams {
  target: PatchTarget;
  direction?: PatchDirection;
  metric?: MetricKind;
  /** 'atp': AtP* estimates of every cell, the top `verifyTop` patched exactly. */
  method?: 'exact' | 'atp';
  verifyTop?: number;
}
export interface AttentionJobParams extends DatasetJobParams {
  /** Which item's prompt (0-based), when no prompt is typed. */
  item: number;
  /** Which side of the item (default clean). */
  side?: PromptSide;
  /** A typed prompt instead of a dataset item. */
  prompt?: string;
  /** One layer's heads; absent: every layer. */
  layer?: number;
}
export interface CorrelationJobParams extends DatasetJobParams {
  layer: number;
  head: number;
  y?: CorrelationY;
}
export interface CopyScoresJobParams extends DatasetJobParams {
  k?: number;
  input?: CopyInput;
  /** Score the antonym pairs too (their comparatives join the answer tokens as candidates). */
  antonyms?: boolean;
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
  const index = params.item ?? 0;
  const item = itemAt(params.items, index);
  return withModel(params, ctx, 'logit-lens', async (s) => {
    const lens = await logitLens(s.model, encodeItems(s, params.items), { side: params.side, signal: ctx.signal, onProgress: (d, t) => unitProgress(ctx, 'Logit lens')(d, 2 * t) });
    const ids = encodePrompt(s.tokenizer, s.config, item[params.side ?? 'clean']);
    const top = await lensTopTokens(s.model, ids, params.k ?? 5, (t) => s.tokenizer.tokenStrings(t), { signal: ctx.signal, onProgress: (d, t) => unitProgress(ctx, 'Logit lens top tokens')(t + d, 2 * t) });
    return { ...lens, topTokens: { ...top, item: index, prompt: item[params.side ?? 'clean'] } };
  });
}

/** The dataset split by template (and length), positions named by the templates (by the items' meta for unknown templates). */
const groupsOf = (s: ModelSession, items: DatasetJobParams['items']) =>
  positionGroups(
    encodeItems(s, items),
    (item, ids) => slotPositions(item, ids, s.tokenizer) ?? namedPositions(item, ids, s.tokenizer),
    (ids) => positionLabels(s.tokenizer, ids),
  );

export async function dlaJob(params: DlaJobParams, ctx: JobContext): Promise<JobOutput> {
  return withModel(params, ctx, 'dla', (s) =>
    dlaPanels(s.model, groupsOf(s, params.items), params.items.length, { side: params.side, signal: ctx.signal, onProgress: unitProgress(ctx, 'Direct logit attribution') }),
  );
}

export async function patchingJob(params: PatchingJobParams, ctx: JobContext): Promise<JobOutput> {
  return withModel(params, ctx, 'patching', async (s) => {
    const opts = { target: params.target, direction: params.direction, metric: params.metric, signal: ctx.signal, onProgress: unitProgress(ctx, `Patching ${params.target}`) };
    if (params.method === 'atp') return atpPatching(s, params, { ...opts, onProgress: unitProgress(ctx, `AtP* ${params.target}`) });
    if (!isPositionalTarget(params.target)) return activationPatching(s.model, encodeItems(s, params.items), { ...opts, positionLabels: labelsOf(s) });
    // By position: one panel per template group (a single group keeps the plain result).
    const groups = groupsOf(s, params.items);
    if (groups.length > 1) return patchingPanels(s.model, groups, opts);
    const result = await activationPatching(s.model, groups[0].batch, { ...opts, positionLabels: () => groups[0].positions });
    return { ...result, template: groups[0].template };
  });
}

/** AtP* on the dataset (position-resolved targets: one template, whose named positions label the columns). */
async function atpPatching(s: ModelSession, params: PatchingJobParams, opts: PatchOptions): Promise<object> {
  const atp = { ...opts, verifyTop: params.verifyTop };
  if (!isPositionalTarget(params.target)) return attributionPatching(s.model, encodeItems(s, params.items), { ...atp, positionLabels: labelsOf(s) });
  const groups = groupsOf(s, params.items);
  if (groups.length > 1) throw new AnalysisError(`AtP* by position needs one template; this dataset has ${groups.length} (${groups.slice(0, 4).map((g) => g.template).join(', ')}${groups.length > 4 ? ', ...' : ''}): choose one`);
  const result = await attributionPatching(s.model, groups[0].batch, { ...atp, positionLabels: () => groups[0].positions });
  return { ...result, template: groups[0].template };
}

function itemAt(items: DatasetJobParams['items'], index: number): DatasetJobParams['items'][number] {
  const item = items[index];
  if (!item) throw new AnalysisError(`item ${index} does not exist: the dataset has ${items.length} items (0 to ${items.length - 1})`);
  return item;
}

export async function attentionJob(params: AttentionJobParams, ctx: JobContext): Promise<JobOutput> {
  const side = params.side ?? 'clean';
  const prompt = params.prompt ?? itemAt(params.items, params.item)[side];
  return withModel(params, ctx, 'attention', async (s) => {
    const ids = encodePrompt(s.tokenizer, s.config, prompt);
    const result = await attentionPatterns(s.model, ids, s.tokenizer.tokenStrings(ids), params.layer === undefined ? undefined : [params.layer]);
    return { ...result, prompt, ...(params.prompt === undefined ? { item: params.item, side } : {}) };
  });
}

export async function correlationJob(params: CorrelationJobParams, ctx: JobContext): Promise<JobOutput> {
  return withModel(params, ctx, 'correlation', (s) =>
    headCorrelation(s.model, encodeItems(s, params.items), params.layer, params.head, { y: params.y, signal: ctx.signal, onProgress: unitProgress(ctx, 'Correlation') }),
  );
}

export async function copyScoresJob(params: CopyScoresJobParams, ctx: JobContext): Promise<JobOutput> {
  return withModel(params, ctx, 'copy-scores', async (s) => {
    const { tokens, antonyms } = copyScoreCandidates(answerTokens(params.items, s.tokenizer), s.tokenizer, params.antonyms === true);
    const result = await copyScores(s.model, tokens, { k: params.k, input: params.input, antonyms, signal: ctx.signal, onProgress: unitProgress(ctx, 'Copy scores') });
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
