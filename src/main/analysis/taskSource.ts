/**
 * Where an analysis gets its items: a JSONL/CSV dataset file or a generated task, checked
 * against the model's tokenizer before anything runs (every problem is reported with its row).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { generate, parseCsv, parseJsonl, validateDataset, TASK_NAMES, type Corruption, type Split, type TaskItem, type TaskName } from '../datasets';
import { ANTONYM_PAIRS } from '../datasets/words';
import type { Tokenizer } from '../tokenizer/types';
import { singleTokenId } from '../services/prompt';
import { AnalysisError } from './progress';

export interface TaskSource {
  /** A .jsonl or .csv dataset file. */
  dataset?: string;
  /** Or a generated task. */
  task?: string;
  n?: number;
  seed?: number;
  split?: Split;
  /** Keep only items of these templates. */
  templates?: readonly string[];
  /** How a generated task's corrupted prompts are made (default: the task's own). */
  corruption?: Corruption;
}

export async function loadItems(source: TaskSource, tokenizer: Tokenizer): Promise<TaskItem[]> {
  let items: TaskItem[];
  let firstRow = 1;
  if (source.dataset) {
    const file = path.resolve(source.dataset);
    const text = await readFile(file, 'utf8').catch((err: Error) => {
      throw new AnalysisError(`cannot read dataset ${file}: ${err.message}`);
    });
    if (file.endsWith('.csv')) {
      items = parseCsv(text, file);
      firstRow = 2;
    } else {
      items = parseJsonl(text, file);
    }
    if (source.n !== undefined) items = items.slice(0, source.n);
  } else if (source.task) {
    if (!(TASK_NAMES as readonly string[]).includes(source.task)) throw new AnalysisError(`unknown task "${source.task}" (one of ${TASK_NAMES.join(', ')})`);
    items = generate(source.task as TaskName, { n: source.n ?? 32, seed: source.seed ?? 0, split: source.split, templates: source.templates, corruption: source.corruption });
  } else {
    throw new AnalysisError('give a dataset file (--dataset) or a task to generate (--task)');
  }
  if (source.dataset && source.templates && source.templates.length > 0) {
    const keep = new Set(source.templates);
    items = items.filter((i) => keep.has(i.template));
  }
  if (items.length === 0) throw new AnalysisError('no items left to analyse');
  const problems = validateDataset(items, tokenizer, { firstRow });
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).map((p) => p.message).join('\n  ');
    throw new AnalysisError(`the dataset does not fit the model's tokenizer (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  ${shown}${problems.length > 5 ? '\n  ...' : ''}`);
  }
  return items;
}

/** A word as one token, spelled like an answer (" Mary"); an error names the word. */
export function wordToken(tokenizer: Tokenizer, word: string): number {
  return singleTokenId(tokenizer, word.startsWith(' ') ? word : ` ${word}`);
}

/** Every distinct answer token of the items, in first-seen order. */
export function answerTokens(items: readonly TaskItem[], tokenizer: Tokenizer): number[] {
  const ids = new Set<number>();
  for (const item of items) {
    ids.add(singleTokenId(tokenizer, item.correct));
    ids.add(singleTokenId(tokenizer, item.incorrect));
  }
  return [...ids];
}

/** The comparison task's antonym pairs (comparatives) that are single tokens of this tokenizer. */
export function antonymTokenPairs(tokenizer: Tokenizer): [number, number][] {
  const out: [number, number][] = [];
  for (const p of ANTONYM_PAIRS) {
    try {
      out.push([wordToken(tokenizer, p.comparative[0]), wordToken(tokenizer, p.comparative[1])]);
    } catch {
      // a pair the vocabulary cannot spell in one token each is skipped
    }
  }
  return out;
}

/** Copy-score candidates: `base` tokens, then (with antonyms) every antonym pair's comparatives not already there; the pairs to score. */
export function copyScoreCandidates(base: readonly number[], tokenizer: Tokenizer, withAntonyms: boolean): { tokens: number[]; antonyms: [number, number][] } {
  const antonyms = withAntonyms ? antonymTokenPairs(tokenizer) : [];
  return { tokens: [...new Set([...base, ...antonyms.flat()])], antonyms };
}
