/**
 * Task evaluation: top-1 accuracy and mean logit difference (correct minus incorrect answer at
 * the last position) on clean prompts, and the mean logit difference on corrupted prompts, per
 * task and per template. Prompts are batched by token length (clean and corrupted together:
 * they have the same length) and only the last position is unembedded.
 */
import type { ModelConfig } from '../engine/config';
import type { HookedGPT2 } from '../engine/model';
import { tf } from '../engine/tf';
import type { TaskItem } from '../datasets/types';
import type { Tokenizer } from '../tokenizer/types';
import { encodePrompt, singleTokenId } from './prompt';

/** What evaluation needs of a session (a ModelSession fits; so does a model in training). */
export interface EvalModel {
  model: HookedGPT2;
  tokenizer: Tokenizer;
  config: ModelConfig;
}

export interface EvaluateOptions {
  /** Rows per forward pass (clean + corrupted prompts count separately). Default 128. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ItemResult {
  task: string;
  template: string;
  /** logit(correct) - logit(incorrect) at the last position of the clean prompt. */
  cleanLogitDiff: number;
  corruptedLogitDiff: number;
  /** The argmax over the whole vocabulary at the clean prompt's last position is the correct answer. */
  top1Correct: boolean;
}

export interface GroupStats {
  n: number;
  /** Fraction of clean prompts whose top-1 token is the correct answer. */
  accuracy: number;
  meanLogitDiff: number;
  meanCorruptedLogitDiff: number;
}

export interface TaskStats extends GroupStats {
  templates: Record<string, GroupStats>;
}

export interface EvaluationReport {
  overall: GroupStats;
  tasks: Record<string, TaskStats>;
  items: ItemResult[];
}

export class EvaluationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationInputError';
  }
}

interface Encoded {
  clean: number[];
  corrupted: number[];
  correct: number;
  incorrect: number;
}

function encodeItem(m: EvalModel, item: TaskItem, index: number): Encoded {
  const where = `item ${index + 1} (${item.template})`;
  try {
    const enc = {
      clean: encodePrompt(m.tokenizer, m.config, item.clean),
      corrupted: encodePrompt(m.tokenizer, m.config, item.corrupted),
      correct: singleTokenId(m.tokenizer, item.correct),
      incorrect: singleTokenId(m.tokenizer, item.incorrect),
    };
    if (enc.clean.length !== enc.corrupted.length) {
      throw new Error(`clean and corrupted token lengths differ: clean ${enc.clean.length} tokens, corrupted ${enc.corrupted.length}`);
    }
    return enc;
  } catch (err) {
    throw new EvaluationInputError(`${where}: ${(err as Error).message}`);
  }
}

function abortError(done: number, total: number): Error {
  const e = new Error(`evaluation aborted after ${done} of ${total} items`);
  e.name = 'AbortError';
  return e;
}

/**
 * For each row of `rows` (all the same length): logit(correct) - logit(incorrect) and the
 * argmax at the last position.
 */
async function lastPositionScores(model: HookedGPT2, rows: number[][], correct: number[], incorrect: number[]): Promise<{ diff: Float32Array; argmax: Int32Array }> {
  const V = model.config.vocabSize;
  const [diffT, argmaxT] = tf.tidy(() => {
    const logits = model.forward(rows, 'last'); // [B, V]
    const flat = logits.reshape([-1]); // [B*V]
    const at = (ids: number[]) => flat.gather(tf.tensor1d(ids.map((id, b) => b * V + id), 'int32')); // [B]
    return [at(correct).sub(at(incorrect)), logits.argMax(1)]; // [B], [B]
  });
  const [diff, argmax] = await Promise.all([diffT.data(), argmaxT.data()]);
  tf.dispose([diffT, argmaxT]);
  return { diff: diff as Float32Array, argmax: argmax as Int32Array };
}

function summarise(results: readonly ItemResult[]): GroupStats {
  const n = results.length;
  let top1 = 0;
  let clean = 0;
  let corrupted = 0;
  for (const r of results) {
    if (r.top1Correct) top1++;
    clean += r.cleanLogitDiff;
    corrupted += r.corruptedLogitDiff;
  }
  return n === 0
    ? { n, accuracy: NaN, meanLogitDiff: NaN, meanCorruptedLogitDiff: NaN }
    : { n, accuracy: top1 / n, meanLogitDiff: clean / n, meanCorruptedLogitDiff: corrupted / n };
}

function groupBy<K extends string>(results: readonly ItemResult[], key: (r: ItemResult) => K): Map<K, ItemResult[]> {
  const groups = new Map<K, ItemResult[]>();
  for (const r of results) {
    const k = key(r);
    const list = groups.get(k);
    if (list) list.push(r);
    else groups.set(k, [r]);
  }
  return groups;
}

/** Evaluate every item; errors name the item (1-based) and its template. */
export async function evaluate(m: EvalModel, items: readonly TaskItem[], opts: EvaluateOptions = {}): Promise<EvaluationReport> {
  if (items.length === 0) throw new EvaluationInputError('the dataset has no items');
  const batchSize = opts.batchSize ?? 128;
  if (!Number.isInteger(batchSize) || batchSize < 2) throw new EvaluationInputError(`batchSize must be an integer >= 2, got ${batchSize}`);
  const encoded = items.map((item, i) => encodeItem(m, item, i));
  const byLength = new Map<number, number[]>();
  encoded.forEach((e, i) => {
    const list = byLength.get(e.clean.length);
    if (list) list.push(i);
    else byLength.set(e.clean.length, [i]);
  });
  const cleanDiff = new Float64Array(items.length);
  const corruptDiff = new Float64Array(items.length);
  const top1 = new Uint8Array(items.length);
  const perBatch = Math.floor(batchSize / 2); // each item contributes a clean and a corrupted row
  let done = 0;
  for (const length of [...byLength.keys()].sort((a, b) => a - b)) {
    const indices = byLength.get(length)!;
    for (let s = 0; s < indices.length; s += perBatch) {
      if (opts.signal?.aborted) throw abortError(done, items.length);
      const chunk = indices.slice(s, s + perBatch);
      const rows = [...chunk.map((i) => encoded[i].clean), ...chunk.map((i) => encoded[i].corrupted)];
      const correct = [...chunk, ...chunk].map((i) => encoded[i].correct);
      const incorrect = [...chunk, ...chunk].map((i) => encoded[i].incorrect);
      const { diff, argmax } = await lastPositionScores(m.model, rows, correct, incorrect);
      chunk.forEach((i, r) => {
        cleanDiff[i] = diff[r];
        corruptDiff[i] = diff[chunk.length + r];
        top1[i] = argmax[r] === encoded[i].correct ? 1 : 0;
      });
      done += chunk.length;
      opts.onProgress?.(done, items.length);
    }
  }
  const results: ItemResult[] = items.map((item, i) => ({
    task: item.task,
    template: item.template,
    cleanLogitDiff: cleanDiff[i],
    corruptedLogitDiff: corruptDiff[i],
    top1Correct: top1[i] === 1,
  }));
  const tasks: Record<string, TaskStats> = {};
  for (const [task, group] of groupBy(results, (r) => r.task)) {
    const templates: Record<string, GroupStats> = {};
    for (const [template, tGroup] of groupBy(group, (r) => r.template)) templates[template] = summarise(tGroup);
    tasks[task] = { ...summarise(group), templates };
  }
  return { overall: summarise(results), tasks, items: results };
}
