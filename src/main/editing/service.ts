/**
 * Edits in words, for the CLI and the job handlers: a ROME edit from (prompt, subject, target)
 * with causal tracing to pick the layer when asked, a head edit from token words, and the
 * before/after metrics of the result. Progress is reported as (fraction, message).
 */
import { fillerSentences } from '../datasets';
import type { EvalModel } from '../services/evaluate';
import { encodePrompt, singleTokenId } from '../services/prompt';
import { causalTrace, peakLayerAtSubject, type CausalTrace } from './causalTrace';
import { EditError, type ModelEdit } from './delta';
import { EditedModel } from './editedModel';
import { romeMetrics, type RomeMetrics } from './compare';
import { headQueryAt, headValueAt, keyInputAt, logitDirection, ovEdit, predictionsBeforeAfter, qkEdit, type OvTarget, type TopPrediction } from './headEdit';
import { defaultKeyCorpus } from './rome/corpus';
import { keySecondMoment, type KeyMoment } from './rome/keys';
import { markSubject, romeTokenRequest, type Occurrence } from './rome/request';
import { romeEdit, type RomeDetails, type RomeOptions } from './rome/rome';

export interface ServiceOptions {
  onProgress?: (fraction: number, message: string) => void;
  signal?: AbortSignal;
}

export interface RomeServiceInput {
  prompt: string;
  subject: string;
  target: string;
  /** A layer, or 'auto': the MLP layer whose restored output at the subject's last token recovers the most (causal tracing). */
  layer: number | 'auto';
  occurrence?: Occurrence;
  /** Number of filler-sentence context prefixes (default 4), or explicit prefixes. */
  contexts?: number | string[];
  paraphrases?: string[];
  neighbourhood?: string[];
  name?: string;
  rome?: RomeOptions;
  /** Also return the residual-stream causal trace table. */
  trace?: boolean;
}

export interface RomeServiceResult {
  edit: ModelEdit;
  details: RomeDetails;
  metrics: RomeMetrics;
  layer: number;
  /** MLP trace (always when layer was 'auto') and residual trace (when asked). */
  traces: { mlp?: CausalTrace; resid?: CausalTrace };
  /** The edited prompt's tokens (the traces' positions). */
  tokens: string[];
  moment: KeyMoment;
}

export async function romeService(m: EvalModel, input: RomeServiceInput, getMoment: (layer: number) => Promise<KeyMoment | undefined>, opts: ServiceOptions = {}): Promise<RomeServiceResult> {
  const report = opts.onProgress ?? (() => undefined);
  const row = markSubject(m.tokenizer, m.config, input.prompt, input.subject, input.occurrence);
  const traces: RomeServiceResult['traces'] = {};
  const subjectStart = markSubject(m.tokenizer, m.config, input.prompt, input.subject.split(/\s+/)[0], input.occurrence).subjectPos;
  const subjectPositions = Array.from({ length: row.subjectPos - subjectStart + 1 }, (_, i) => subjectStart + i);
  let layer: number;
  if (input.layer === 'auto') {
    report(0, 'Causal tracing (MLP states)');
    traces.mlp = await causalTrace(m.model, row.ids, subjectPositions, { kind: 'mlp', signal: opts.signal });
    layer = peakLayerAtSubject(traces.mlp);
  } else {
    layer = input.layer;
  }
  if (input.trace) {
    report(0.05, 'Causal tracing (residual stream)');
    traces.resid = await causalTrace(m.model, row.ids, subjectPositions, { kind: 'resid', signal: opts.signal });
  }
  report(0.1, `Key second moment at layer ${layer}`);
  let moment = await getMoment(layer);
  if (!moment) {
    const corpus = defaultKeyCorpus(m.tokenizer, m.config);
    moment = await keySecondMoment(m.model, corpus.rows, layer, { signal: opts.signal, onProgress: (d, t) => report(0.1 + 0.3 * (d / t), `Key second moment (${d} of ${t} batches)`) });
  }
  const contexts = Array.isArray(input.contexts) ? input.contexts : fillerSentences(1234, input.contexts ?? 4);
  const req = romeTokenRequest(m.tokenizer, m.config, { prompt: input.prompt, subject: input.subject, target: input.target, layer, contexts, occurrence: input.occurrence });
  const name = input.name ?? `rome: ${input.subject} -> ${input.target.trim()}`;
  const { edit, details } = await romeEdit(
    m.model,
    name,
    { prompt: input.prompt, subject: input.subject, targetText: input.target, contexts },
    req,
    moment,
    { ...input.rome, signal: opts.signal, onProgress: (s, n, loss) => report(0.4 + 0.5 * (s / n), `Optimising v* (step ${s} of ${n}, loss ${loss.toFixed(3)})`) },
  );
  report(0.9, 'Measuring efficacy and specificity');
  const edited = EditedModel.apply(m.model, [edit]);
  try {
    const metrics = await romeMetrics(m, { ...m, model: edited.model }, { prompt: input.prompt, target: input.target, paraphrases: input.paraphrases, neighbourhood: input.neighbourhood });
    report(1, 'Done');
    return { edit, details, metrics, layer, traces, tokens: m.tokenizer.tokenStrings(row.ids), moment };
  } finally {
    edited.dispose();
  }
}

export interface HeadServiceInput {
  kind: 'ov' | 'qk';
  layer: number;
  head: number;
  /** The prompt the head's vectors are read from. */
  prompt: string;
  /** OV: the word whose value vector is re-routed (its last occurrence in the prompt). */
  source?: string;
  /** OV: the direction logit(plus) - logit(minus) (minus optional). */
  plus?: string;
  minus?: string;
  target?: OvTarget;
  /** QK: the key word (its last occurrence); the query is the prompt's last position. */
  key?: string;
  scoreChange?: number;
  /** OV: how far towards the target (default 1, see OvEditRequest.strength). */
  strength?: number;
  /** Top predictions on the prompt before and after the edit (default 5). */
  topK?: number;
  name?: string;
}

export interface HeadServiceResult {
  edit: ModelEdit;
  projection?: { before: number; after: number };
  /** The prompt's tokens and its top predictions before and after the edit. */
  predictions: { tokens: string[]; before: TopPrediction[]; after: TopPrediction[] };
}

export async function headService(m: EvalModel, input: HeadServiceInput): Promise<HeadServiceResult> {
  const built = await buildHeadEdit(m, input);
  const ids = encodePrompt(m.tokenizer, m.config, input.prompt);
  const strings = (t: number[]): string[] => m.tokenizer.tokenStrings(t);
  const predictions = { tokens: strings(ids), ...(await predictionsBeforeAfter(m.model, built.edit, ids, input.topK ?? 5, strings)) };
  return { ...built, predictions };
}

async function buildHeadEdit(m: EvalModel, input: HeadServiceInput): Promise<{ edit: ModelEdit; projection?: { before: number; after: number } }> {
  const need = (v: string | undefined, what: string): string => {
    if (!v) throw new EditError(`a ${input.kind.toUpperCase()} head edit needs ${what}`);
    return v;
  };
  const last = markSubject(m.tokenizer, m.config, input.prompt, input.prompt.trim().split(/\s+/).pop()!, 'last');
  const queryRow = { ids: last.ids, subjectPos: last.ids.length - 1 };
  if (input.kind === 'ov') {
    const sourceRow = markSubject(m.tokenizer, m.config, input.prompt, need(input.source, '--source WORD'), 'last');
    const source = await headValueAt(m.model, input.layer, input.head, [sourceRow]);
    const plus = singleTokenId(m.tokenizer, ` ${need(input.plus, '--plus WORD').trim()}`);
    const minus = input.minus ? singleTokenId(m.tokenizer, ` ${input.minus.trim()}`) : undefined;
    const direction = await logitDirection(m.model, plus, minus);
    const target = input.target ?? 'reflect';
    const strength = input.strength ?? 1;
    const name = input.name ?? `head ${input.layer}.${input.head} OV: ${input.source} along ${input.plus}${input.minus ? ` - ${input.minus}` : ''} (${target}${strength === 1 ? '' : ` x${strength}`})`;
    const { edit, before, after } = await ovEdit(m.model, name, { prompt: input.prompt, source: input.source, plus: input.plus, minus: input.minus ?? null }, { layer: input.layer, head: input.head, source, direction, target, strength });
    return { edit, projection: { before, after } };
  }
  const keyRow = markSubject(m.tokenizer, m.config, input.prompt, need(input.key, '--key WORD'), 'last');
  const keyInput = await keyInputAt(m.model, input.layer, [keyRow]);
  const query = await headQueryAt(m.model, input.layer, input.head, [queryRow]);
  const scoreChange = input.scoreChange ?? 5;
  const name = input.name ?? `head ${input.layer}.${input.head} QK: ${input.key} ${scoreChange >= 0 ? '+' : ''}${scoreChange}`;
  return { edit: qkEdit(m.model, name, { prompt: input.prompt, key: input.key }, { layer: input.layer, head: input.head, keyInput, query, scoreChange }) };
}
