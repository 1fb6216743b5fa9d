/** Checking a dataset against the tokenizer of the model it will be run on. */
import type { Tokenizer } from '../tokenizer/types';
import type { TaskItem } from './types';
import { splitWords } from './text';

export type ValidationProblem =
  | 'empty'
  | 'same-answers'
  | 'answer-not-single-token'
  | 'length-mismatch'
  | 'unknown-word'
  | 'special-token'
  | 'too-long';

export interface ValidationError {
  /** 1-based row: `firstRow` for the first item (see ValidateOptions). */
  row: number;
  field: 'clean' | 'corrupted' | 'correct' | 'incorrect' | 'template' | 'task';
  problem: ValidationProblem;
  /** "row 3, field \"correct\": answer \" Mary Ann\" is 2 tokens (\"Mary\", \"Ann\"), expected 1". */
  message: string;
}

export interface ValidateOptions {
  /**
   * Row number of the first item (default 1): 1 matches the line of a JSONL file without
   * blank lines, 2 matches a CSV file whose header is row 1.
   */
  firstRow?: number;
  /** Longest prompt the model reads (its context, less one when it prepends BOS); unchecked when absent. */
  maxPromptTokens?: number;
  /**
   * When the live backend's memory cannot run the full context (engine/promptLimit.ts): the
   * longest prompt it can run (same units as maxPromptTokens) and what bounds it, in words.
   */
  memoryBound?: { maxPromptTokens: number; why: string };
}

const TEXT_FIELDS = ['clean', 'corrupted', 'correct', 'incorrect'] as const;
const ALL_FIELDS = [...TEXT_FIELDS, 'template', 'task'] as const;

/** Quoted, and cut to 80 characters so an enormous field is never echoed whole. */
function quoted(s: string): string {
  return s.length <= 80 ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, 80))}… (${s.length} characters)`;
}

/**
 * Every problem of every item, in row order (an empty list when the dataset is usable):
 * empty fields, correct == incorrect, answers that are not exactly one token, clean and
 * corrupted prompts of different token lengths, and words the tokenizer maps to its unknown
 * token (word-level vocabularies; byte-level BPE knows every string).
 */
export function validateDataset(
  items: readonly TaskItem[],
  tokenizer: Tokenizer,
  options: ValidateOptions = {},
): ValidationError[] {
  const firstRow = options.firstRow ?? 1;
  const errors: ValidationError[] = [];
  items.forEach((item, index) => {
    const row = firstRow + index;
    const report = (field: ValidationError['field'], problem: ValidationProblem, text: string) =>
      errors.push({ row, field, problem, message: `row ${row}, field "${field}": ${text}` });

    for (const field of ALL_FIELDS) {
      if (item[field].trim() === '') report(field, 'empty', 'is empty');
    }
    const present = (field: (typeof TEXT_FIELDS)[number]) => item[field].trim() !== '';

    if (present('correct') && item.correct === item.incorrect) {
      report('incorrect', 'same-answers', `is the same as the correct answer (${quoted(item.correct)})`);
    }

    const ids: Partial<Record<(typeof TEXT_FIELDS)[number], number[]>> = {};
    for (const field of TEXT_FIELDS) {
      if (!present(field)) continue;
      ids[field] = tokenizer.encode(item[field]);
      const unknown = unknownWords(item[field], tokenizer);
      for (const word of unknown) {
        report(field, 'unknown-word', `word ${quoted(word)} is not in the tokenizer's vocabulary (it maps to the unknown token)`);
      }
    }

    for (const field of ['correct', 'incorrect'] as const) {
      const answerIds = ids[field];
      const special = answerIds?.find((id) => id === tokenizer.bosId);
      if (special !== undefined) {
        report(field, 'special-token', `answer ${quoted(item[field])} is the special token ${quoted(tokenizer.idToToken(special) ?? String(special))}, not a word the model can be scored on`);
        continue;
      }
      if (answerIds === undefined || answerIds.length === 1) continue;
      const pieces = tokenizer.tokenStrings(answerIds).map(quoted).join(', ');
      report(
        field,
        'answer-not-single-token',
        `answer ${quoted(item[field])} is ${answerIds.length} tokens${answerIds.length > 0 ? ` (${pieces})` : ''}, expected 1`,
      );
    }

    const clean = ids.clean;
    const corrupted = ids.corrupted;
    const max = options.maxPromptTokens;
    for (const field of ['clean', 'corrupted'] as const) {
      const n = ids[field]?.length ?? 0;
      if (max !== undefined && n > max) report(field, 'too-long', `the prompt is ${n} tokens; the model reads at most ${max}`);
      else if (options.memoryBound && n > options.memoryBound.maxPromptTokens) {
        const context = max === undefined ? '' : `the model's context allows ${max}, but `;
        report(field, 'too-long', `the prompt is ${n} tokens; ${context}${options.memoryBound.why} can run prompts of at most ${options.memoryBound.maxPromptTokens} tokens`);
      }
    }
    if (clean !== undefined && corrupted !== undefined && clean.length !== corrupted.length) {
      report(
        'corrupted',
        'length-mismatch',
        `clean and corrupted token lengths differ: clean ${clean.length} tokens, corrupted ${corrupted.length}`,
      );
    }
  });
  return errors;
}

/**
 * The words of `text` the tokenizer maps to its unknown token, each once, in order. Empty when
 * the tokenizer has no unknown token. If the tokenizer splits text differently from
 * `splitWords` and no single word is to blame, the whole text is named.
 */
export function unknownWords(text: string, tokenizer: Tokenizer): string[] {
  const unk = tokenizer.unkId;
  if (unk === undefined || !tokenizer.encode(text).includes(unk)) return [];
  const words = [...new Set(splitWords(text))].filter((w) => tokenizer.encode(w).includes(unk));
  return words.length > 0 ? words : [text];
}

/** The longest prompt a model reads: its context, less the BOS token it puts first (services/prompt encodePrompt). */
export function maxPromptTokens(config: { nCtx: number; prependBos: boolean }): number {
  return config.nCtx - (config.prependBos ? 1 : 0);
}
