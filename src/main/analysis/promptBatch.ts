/**
 * Task items encoded for the model: clean and corrupted token batches, grouped by token length
 * (items of different templates differ in length; one batch needs equal rows), with the answer
 * ids the logit difference compares.
 */
import type { ModelConfig } from '../engine/config';
import type { TaskItem } from '../datasets/types';
import { encodePrompt, singleTokenId } from '../services/prompt';
import type { Tokenizer } from '../tokenizer/types';
import { AnalysisError } from './progress';

export interface PromptGroup {
  /** Token length of every prompt (clean and corrupted) in the group. */
  length: number;
  /** Index of each row in the item list given to encodeTaskItems. */
  rows: number[];
  items: TaskItem[];
  clean: number[][];
  corrupted: number[][];
  /** Answer token ids per row. */
  correct: number[];
  incorrect: number[];
}

export interface PromptBatch {
  groups: PromptGroup[];
  /** Number of items over all groups. */
  size: number;
}

/** The longest prompt (tokens, BOS not counted) the live backend's memory runs, and why (engine/promptLimit.ts promptMemoryBound). */
export interface MemoryBound {
  maxPromptTokens: number;
  why: string;
}

/**
 * Encode task items (BOS as the model expects). With `memoryBound`, a prompt longer than the
 * backend can run is refused naming its row, its length, the context and the bound. Errors name the 0-based row and the template:
 * clean and corrupted prompts must have the same token length, answers must be one token each.
 */
export function encodeTaskItems(items: readonly TaskItem[], tokenizer: Tokenizer, config: ModelConfig, memoryBound?: MemoryBound): PromptBatch {
  if (items.length === 0) throw new AnalysisError('the dataset has no items');
  const byLength = new Map<number, PromptGroup>();
  items.forEach((item, row) => {
    const where = `row ${row} (template ${JSON.stringify(item.template)})`;
    const wrap = <T>(field: string, f: () => T): T => {
      try {
        return f();
      } catch (err) {
        throw new AnalysisError(`${where}, field "${field}": ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const clean = wrap('clean', () => encodePrompt(tokenizer, config, item.clean));
    const corrupted = wrap('corrupted', () => encodePrompt(tokenizer, config, item.corrupted));
    const promptTokens = clean.length - (config.prependBos ? 1 : 0);
    if (memoryBound && promptTokens > memoryBound.maxPromptTokens) {
      throw new AnalysisError(`${where}: the clean prompt is ${promptTokens} tokens; the model's context allows ${config.nCtx - (config.prependBos ? 1 : 0)}, but ${memoryBound.why} can run prompts of at most ${memoryBound.maxPromptTokens} tokens`);
    }
    if (clean.length !== corrupted.length) {
      throw new AnalysisError(`${where}: the clean prompt is ${clean.length} tokens and the corrupted prompt ${corrupted.length}; they must be the same length`);
    }
    const correct = wrap('correct', () => singleTokenId(tokenizer, item.correct));
    const incorrect = wrap('incorrect', () => singleTokenId(tokenizer, item.incorrect));
    if (correct === incorrect) throw new AnalysisError(`${where}: the correct and incorrect answers are the same token`);
    let group = byLength.get(clean.length);
    if (!group) {
      group = { length: clean.length, rows: [], items: [], clean: [], corrupted: [], correct: [], incorrect: [] };
      byLength.set(clean.length, group);
    }
    group.rows.push(row);
    group.items.push(item);
    group.clean.push(clean);
    group.corrupted.push(corrupted);
    group.correct.push(correct);
    group.incorrect.push(incorrect);
  });
  const groups = [...byLength.values()].sort((a, b) => a.length - b.length);
  return { groups, size: items.length };
}

/** A batch of token rows that are not task items (e.g. raw prompts for a neuroscope), grouped by length. */
export function groupByLength(prompts: readonly (readonly number[])[]): { length: number; rows: number[]; tokens: number[][] }[] {
  const byLength = new Map<number, { length: number; rows: number[]; tokens: number[][] }>();
  prompts.forEach((ids, row) => {
    let g = byLength.get(ids.length);
    if (!g) byLength.set(ids.length, (g = { length: ids.length, rows: [], tokens: [] }));
    g.rows.push(row);
    g.tokens.push([...ids]);
  });
  return [...byLength.values()].sort((a, b) => a.length - b.length);
}

/** Split a group into consecutive sub-groups of at most `rows` rows (for memory-bounded batches). */
export function chunkGroup(group: PromptGroup, rows: number): PromptGroup[] {
  if (group.rows.length <= rows) return [group];
  const out: PromptGroup[] = [];
  for (let i = 0; i < group.rows.length; i += rows) {
    const s = (a: number[] | number[][] | TaskItem[]) => a.slice(i, i + rows);
    out.push({
      length: group.length,
      rows: s(group.rows) as number[],
      items: s(group.items) as TaskItem[],
      clean: s(group.clean) as number[][],
      corrupted: s(group.corrupted) as number[][],
      correct: s(group.correct) as number[],
      incorrect: s(group.incorrect) as number[],
    });
  }
  return out;
}

/** The only group of a batch, or a precise error when position-resolved results need one length. */
export function singleLengthGroup(batch: PromptBatch, what: string): PromptGroup {
  if (batch.groups.length === 1) return batch.groups[0];
  const lengths = batch.groups.map((g) => `${g.length} tokens (rows ${g.rows.slice(0, 3).join(', ')}${g.rows.length > 3 ? ', ...' : ''}; template ${g.items[0].template})`);
  throw new AnalysisError(`${what} needs prompts of one token length; this dataset has ${lengths.join(' and ')}: choose one template`);
}

/** Human-readable token labels for a prompt, position-prefixed so repeated tokens stay distinct. */
export function positionLabels(tokenizer: Tokenizer, ids: readonly number[]): string[] {
  return tokenizer.tokenStrings([...ids]).map((t, i) => `${i}:${t}`);
}

/** A prompt pair already in token ids (hand-built tasks, tests, other analyses). */
export interface TokenPair {
  clean: number[];
  corrupted: number[];
  correct: number;
  incorrect: number;
  template?: string;
}

/** Group pre-tokenised prompt pairs into a PromptBatch; same row checks as encodeTaskItems. */
export function batchFromTokens(pairs: readonly TokenPair[]): PromptBatch {
  if (pairs.length === 0) throw new AnalysisError('no prompt pairs were given');
  const byLength = new Map<number, PromptGroup>();
  pairs.forEach((p, row) => {
    if (p.clean.length !== p.corrupted.length) {
      throw new AnalysisError(`row ${row}: the clean prompt is ${p.clean.length} tokens and the corrupted prompt ${p.corrupted.length}; they must be the same length`);
    }
    if (p.clean.length === 0) throw new AnalysisError(`row ${row}: the prompt is empty`);
    let g = byLength.get(p.clean.length);
    if (!g) byLength.set(p.clean.length, (g = { length: p.clean.length, rows: [], items: [], clean: [], corrupted: [], correct: [], incorrect: [] }));
    const template = p.template ?? `tokens/${p.clean.length}`;
    g.rows.push(row);
    g.items.push({ clean: '', corrupted: '', correct: String(p.correct), incorrect: String(p.incorrect), template, task: 'ioi' });
    g.clean.push([...p.clean]);
    g.corrupted.push([...p.corrupted]);
    g.correct.push(p.correct);
    g.incorrect.push(p.incorrect);
  });
  return { groups: [...byLength.values()].sort((a, b) => a.length - b.length), size: pairs.length };
}
