/**
 * Before / after: the outline's prediction table (Input | Model | Prediction | Logit) across any
 * models, per-task accuracy and logit difference of each, ROME's metrics (efficacy, paraphrase
 * generalisation, neighbourhood specificity) and the circuit of one model against another's.
 */
import type { HookedGPT2 } from '../engine/model';
import { tf } from '../engine/tf';
import type { TaskItem } from '../datasets/types';
import { encodeTaskItems } from '../analysis/promptBatch';
import { evaluate, type EvalModel, type EvaluationReport } from '../services/evaluate';
import { encodePrompt } from '../services/prompt';
import { attributionCircuit } from '../circuits/service';
import { graphShapeOf, ModelGraph } from '../circuits/graph';
import { overlap, type Overlap } from '../circuits/evaluation';
import { throwIfAborted, type AnalysisOptions } from '../analysis/progress';
import type { Tokenizer } from '../tokenizer/types';

export interface NamedModel extends EvalModel {
  /** How the model is named in tables ("base", "base + rome:Mary->John"). */
  label: string;
}

export interface PredictionRow {
  input: string;
  model: string;
  prediction: string;
  predictionId: number;
  logit: number;
  prob: number;
}

/** Top-1 next token id, its logit and probability at the last position of each prompt. */
export async function topPredictions(model: HookedGPT2, rows: readonly (readonly number[])[]): Promise<{ id: number; logit: number; prob: number }[]> {
  const out: { id: number; logit: number; prob: number }[] = [];
  for (const ids of rows) {
    const [idT, logitT, probT] = tf.tidy(() => {
      const logits = model.forward([ids as number[]], 'last'); // [1, V]
      const id = logits.argMax(1); // [1]
      return [id, logits.max(1), tf.softmax(logits).max(1)]; // [1] each
    });
    const [id, logit, prob] = await Promise.all([idT.data(), logitT.data(), probT.data()]);
    tf.dispose([idT, logitT, probT]);
    out.push({ id: id[0], logit: logit[0], prob: prob[0] });
  }
  return out;
}

/** One row per (prompt, model), prompts in order, models in the order given. */
export async function predictionTable(models: readonly NamedModel[], prompts: readonly string[], opts: AnalysisOptions = {}): Promise<PredictionRow[]> {
  const table: PredictionRow[] = [];
  const perModel = await Promise.all(
    models.map(async (m) => {
      throwIfAborted(opts.signal);
      return topPredictions(m.model, prompts.map((p) => encodePrompt(m.tokenizer, m.config, p)));
    }),
  );
  prompts.forEach((input, i) => {
    models.forEach((m, j) => {
      const p = perModel[j][i];
      table.push({ input, model: m.label, prediction: m.tokenizer.tokenStrings([p.id])[0] ?? String(p.id), predictionId: p.id, logit: p.logit, prob: p.prob });
    });
  });
  return table;
}

export function formatPredictionTable(rows: readonly PredictionRow[]): string {
  const lines = ['| Input | Model | Prediction | Logit |', '| --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.input.replace(/\|/g, '\\|')} | ${r.model} | ${r.prediction.trim() || JSON.stringify(r.prediction)} | ${r.logit.toFixed(3)} |`);
  return lines.join('\n');
}

/** Per-task accuracy and logit difference of every model on the same items. */
export async function compareEvaluations(models: readonly NamedModel[], items: readonly TaskItem[], opts: AnalysisOptions = {}): Promise<{ model: string; report: Omit<EvaluationReport, 'items'> }[]> {
  const out: { model: string; report: Omit<EvaluationReport, 'items'> }[] = [];
  for (const m of models) {
    throwIfAborted(opts.signal);
    const { items: _perItem, ...report } = await evaluate(m, items, { signal: opts.signal });
    out.push({ model: m.label, report });
  }
  return out;
}

export interface RomeCase {
  /** The edited prompt. */
  prompt: string;
  /** The new answer (" John"). */
  target: string;
  /** Rephrasings that should now give the target too. */
  paraphrases?: string[];
  /** Unrelated prompts whose top-1 should not change. */
  neighbourhood?: string[];
}

export interface RomeMetrics {
  /** The edited prompt's top-1 is the target. */
  efficacy: boolean;
  /** The paper's efficacy score: p(target) > p(the base model's top-1) on the edited model. */
  efficacyScore: boolean;
  targetProbBefore: number;
  targetProbAfter: number;
  /** Fraction of paraphrases whose top-1 is the target (NaN without paraphrases). */
  paraphrase: number;
  /** Fraction of neighbourhood prompts whose top-1 is unchanged (NaN without any). */
  specificity: number;
  neighbourhood: { prompt: string; before: string; after: string }[];
}

async function probsOf(model: HookedGPT2, ids: number[], tokens: number[]): Promise<number[]> {
  const t = tf.tidy(() => tf.softmax(model.forward([ids], 'last')).reshape([-1]).gather(tokens)); // [n]
  const data = Array.from(await t.data());
  t.dispose();
  return data;
}

export async function romeMetrics(base: EvalModel, edited: EvalModel, c: RomeCase): Promise<RomeMetrics> {
  const enc = (text: string): number[] => encodePrompt(base.tokenizer, base.config, text);
  const tok = (s: string): string => base.tokenizer.tokenStrings([Number(s)])[0] ?? s;
  const targetIds = base.tokenizer.encode(c.target);
  if (targetIds.length !== 1) throw new Error(`the target ${JSON.stringify(c.target)} must be one token`);
  const target = targetIds[0];
  const ids = enc(c.prompt);
  const [beforeTop] = await topPredictions(base.model, [ids]);
  const [afterTop] = await topPredictions(edited.model, [ids]);
  const [pBefore] = await probsOf(base.model, ids, [target]);
  const [pAfter, pOldAfter] = await probsOf(edited.model, ids, [target, beforeTop.id]);
  const para = c.paraphrases ?? [];
  const paraTops = await topPredictions(edited.model, para.map(enc));
  const neigh = c.neighbourhood ?? [];
  const nBefore = await topPredictions(base.model, neigh.map(enc));
  const nAfter = await topPredictions(edited.model, neigh.map(enc));
  const unchanged = nBefore.filter((b, i) => b.id === nAfter[i].id).length;
  return {
    efficacy: afterTop.id === target,
    efficacyScore: beforeTop.id === target ? pAfter >= pBefore : pAfter > pOldAfter,
    targetProbBefore: pBefore,
    targetProbAfter: pAfter,
    paraphrase: para.length ? paraTops.filter((p) => p.id === target).length / para.length : NaN,
    specificity: neigh.length ? unchanged / neigh.length : NaN,
    neighbourhood: neigh.map((prompt, i) => ({ prompt, before: tok(String(nBefore[i].id)), after: tok(String(nAfter[i].id)) })),
  };
}

export interface CircuitDiff {
  method: 'eap-ig';
  topN: number;
  /** Edges in both circuits, only in the first (base), only in the second (edited). */
  both: string[];
  onlyBase: string[];
  onlyEdited: string[];
  overlap: Overlap;
  faithfulness: { base: number; edited: number };
}

/**
 * The top-N EAP-IG circuit of each model on the same items, and their difference by edge name.
 * EAP-IG rather than ACDC: one gradient pass per model, so both sides finish in seconds.
 */
export async function circuitDiff(base: EvalModel, edited: EvalModel, items: readonly TaskItem[], opts: AnalysisOptions & { topN?: number; steps?: number } = {}): Promise<CircuitDiff> {
  const topN = opts.topN ?? 20;
  const batchOf = (m: EvalModel) => encodeTaskItems(items, m.tokenizer, m.config);
  const a = await attributionCircuit(base.model, batchOf(base), { steps: opts.steps ?? 5, topN, signal: opts.signal, name: 'base' });
  const b = await attributionCircuit(edited.model, batchOf(edited), { steps: opts.steps ?? 5, topN, signal: opts.signal, name: 'edited' });
  const ma = a.selection!.mask;
  const mb = b.selection!.mask;
  const graph = new ModelGraph(graphShapeOf(base.config));
  const names = (pick: (x: number, y: number) => boolean): string[] => {
    const out: string[] = [];
    for (let e = 0; e < ma.length; e++) if (pick(ma[e], mb[e])) out.push(graph.edgeName(e));
    return out;
  };
  return {
    method: 'eap-ig',
    topN,
    both: names((x, y) => x === 1 && y === 1),
    onlyBase: names((x, y) => x === 1 && y === 0),
    onlyEdited: names((x, y) => x === 0 && y === 1),
    overlap: overlap(mb, ma),
    faithfulness: { base: a.selection!.faithfulness.ratio, edited: b.selection!.faithfulness.ratio },
  };
}

/** A session-like view of an edited model (same tokenizer and config as its base). */
export function asEvalModel(model: HookedGPT2, tokenizer: Tokenizer, label: string): NamedModel {
  return { model, tokenizer, config: model.config, label };
}
