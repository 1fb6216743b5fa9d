/**
 * The text C = E[k k^T] is estimated on: the task datasets' clean prompts plus filler sentences,
 * keeping only what the model's tokenizer encodes (a BPE model encodes all of it).
 */
import type { ModelConfig } from '../../engine/config';
import type { Tokenizer } from '../../tokenizer/types';
import { fillerSentences, generate, TASK_NAMES } from '../../datasets';
import { encodePrompt } from '../../services/prompt';
import { EditError } from '../delta';

export interface KeyCorpusOptions {
  /** Clean prompts per task. Default 64. */
  perTask?: number;
  /** Filler sentences. Default 128. */
  filler?: number;
  seed?: number;
}

export function defaultKeyCorpus(tokenizer: Tokenizer, config: ModelConfig, opts: KeyCorpusOptions = {}): { texts: string[]; rows: number[][] } {
  const seed = opts.seed ?? 0;
  const texts = [...TASK_NAMES.flatMap((task) => generate(task, { n: opts.perTask ?? 64, seed }).map((item) => item.clean)), ...fillerSentences(seed, opts.filler ?? 128)];
  const kept: string[] = [];
  const rows: number[][] = [];
  for (const text of texts) {
    try {
      rows.push(encodePrompt(tokenizer, config, text));
      kept.push(text);
    } catch {
      // words outside this model's vocabulary: not part of its corpus
    }
  }
  if (rows.length === 0) throw new EditError("none of the corpus prompts encode with this model's tokenizer; give a corpus of your own");
  return { texts: kept, rows };
}
