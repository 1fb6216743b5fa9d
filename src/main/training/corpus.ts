/**
 * The training corpus: an endless, seeded stream of batches mixing the three task families'
 * TRAIN split (clean prompt + correct answer + ".", one complete sentence per row) with rows
 * of filler sentences. Each row is BOS + tokens; batches are right-padded.
 */
import { fillerSentences, generate, TASK_NAMES, templateIds, type Corruption, type PremiseChoice, type TaskName } from '../datasets';
import { mulberry32 } from '../engine/params';
import type { Tokenizer } from '../tokenizer/types';
import type { DataMix } from './recipe';

export interface TrainingRow {
  ids: number[];
  /** Index t whose next-token target ids[t + 1] is the task answer; -1 for filler. */
  answerAt: number;
  kind: TaskName | 'filler';
}

export interface TrainingBatch {
  /** [B, T] inputs (ids[0..len-2] of each row, right-padded with BOS). */
  inputs: number[][];
  /** [B * T] next-token targets (0 where padded). */
  targets: Int32Array;
  /** [B * T] loss weights: 1 per real target, `answerWeight` at the answer, 0 on padding. */
  weights: Float32Array;
  /** Rows per kind, for logging. */
  kinds: Record<string, number>;
}

/** Mix two integers into a new 32-bit seed (so each pool and task draws its own stream). */
export function deriveSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h ^= p | 0;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= h >>> 13;
  }
  return h | 0;
}

export class CorpusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorpusError';
  }
}

/** Token ids of a task item as a training sentence: BOS, prompt, answer, ".". */
export function taskRow(tokenizer: Tokenizer, bos: number, clean: string, correct: string, kind: TaskName, nCtx: number): TrainingRow {
  const prompt = tokenizer.encode(clean);
  const answer = tokenizer.encode(correct);
  if (answer.length !== 1) throw new CorpusError(`answer ${JSON.stringify(correct)} is ${answer.length} tokens, expected 1`);
  const ids = [bos, ...prompt, answer[0], ...tokenizer.encode('.')];
  if (ids.length > nCtx + 1) throw new CorpusError(`the ${kind} row "${clean}${correct}." has ${ids.length} tokens, more than the context (${nCtx}) + 1`);
  checkKnown(tokenizer, ids, clean);
  return { ids, answerAt: prompt.length, kind };
}

function checkKnown(tokenizer: Tokenizer, ids: number[], text: string): void {
  if (tokenizer.unkId !== undefined && ids.includes(tokenizer.unkId)) throw new CorpusError(`"${text}" has words outside the vocabulary`);
}

/**
 * Corruptions whose corrupted prompt has a well-defined true answer, the clean run's incorrect
 * one (the others, like IOI 'abc', have no right answer and are not trained on).
 */
export const CONTRAST_CORRUPTIONS: Readonly<Record<TaskName, readonly Corruption[]>> = {
  ioi: ['swap'],
  comparison: ['flip', 'swap'],
  latest: ['swap'],
};

/** Rows drawn by the data mix, `count` at a time, deterministic in (seed, pool index, premise choice). */
export function drawPool(tokenizer: Tokenizer, mix: DataMix, nCtx: number, seed: number, pool: number, count: number, premise: PremiseChoice = 'either', restrictTemplates = true): TrainingRow[] {
  const bos = tokenizer.bosId;
  if (bos === undefined) throw new CorpusError('the tokenizer has no BOS token; training rows start with one');
  const rand = mulberry32(deriveSeed(seed, pool, 1));
  const kinds: (TaskName | 'filler')[] = [...TASK_NAMES, 'filler'];
  const weights = kinds.map((k) => (k === 'filler' ? mix.filler : mix.tasks[k]));
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new CorpusError('the data mix has no positive weight');
  const drawn = Array.from({ length: count }, () => {
    let u = rand() * total;
    for (let i = 0; i < kinds.length; i++) {
      u -= weights[i];
      if (u < 0) return kinds[i];
    }
    return kinds[kinds.length - 1];
  });
  const rows: TrainingRow[] = [];
  for (const [t, task] of TASK_NAMES.entries()) {
    const n = drawn.filter((k) => k === task).length;
    const corruptions = CONTRAST_CORRUPTIONS[task];
    // Each corruption draws its own share of the task's items (the clean items differ per call).
    corruptions.forEach((corruption, c) => {
      const share = Math.floor((n * (c + 1)) / corruptions.length) - Math.floor((n * c) / corruptions.length);
      // Training draws every template, opt-in ones included, unless the recipe names some.
      const templates = (restrictTemplates ? mix.templates?.[task] : undefined) ?? templateIds(task);
      for (const item of generate(task, { n: share, seed: deriveSeed(seed, pool, 2, t, c), split: 'train', corruption, templates, premise })) {
        rows.push(taskRow(tokenizer, bos, item.clean, item.correct, task, nCtx));
        if (rand() < mix.contrastPairs) rows.push(taskRow(tokenizer, bos, item.corrupted, item.incorrect, task, nCtx));
      }
    });
  }
  const nFiller = drawn.filter((k) => k === 'filler').length;
  if (nFiller > 0) {
    const sentences = fillerSentences(deriveSeed(seed, pool, 3), nFiller * mix.fillerSentencesPerRow);
    for (let r = 0; r < nFiller; r++) {
      const ids = [bos];
      const want = 1 + Math.floor(rand() * mix.fillerSentencesPerRow);
      for (let s = 0; s < want; s++) {
        const sentence = sentences[r * mix.fillerSentencesPerRow + s];
        const next = tokenizer.encode(sentence);
        if (ids.length + next.length > nCtx + 1) break;
        checkKnown(tokenizer, next, sentence);
        ids.push(...next);
      }
      rows.push({ ids, answerAt: -1, kind: 'filler' });
    }
  }
  // Shuffle so kinds interleave before bucketing by length.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  // Contrast partners add rows: keep exactly `count` (a random subset, after the shuffle).
  return rows.slice(0, count);
}

/** Right-pad rows into one batch of inputs, targets and loss weights. */
export function assembleBatch(rows: readonly TrainingRow[], padId: number, answerWeight: number): TrainingBatch {
  const T = Math.max(...rows.map((r) => r.ids.length)) - 1;
  const B = rows.length;
  const inputs: number[][] = [];
  const targets = new Int32Array(B * T);
  const weights = new Float32Array(B * T);
  const kinds: Record<string, number> = {};
  rows.forEach((row, b) => {
    const input = row.ids.slice(0, -1);
    while (input.length < T) input.push(padId);
    inputs.push(input);
    for (let t = 0; t + 1 < row.ids.length; t++) {
      targets[b * T + t] = row.ids[t + 1];
      weights[b * T + t] = t === row.answerAt ? answerWeight : 1;
    }
    kinds[row.kind] = (kinds[row.kind] ?? 0) + 1;
  });
  return { inputs, targets, weights, kinds };
}

/**
 * The endless batch stream: pool p holds `bucketBatches` batches' worth of rows, sorted by
 * length (stable), cut into batches, and the batches shuffled. Same seed, same batches.
 */
export class BatchStream {
  private pool = 0;
  private queue: TrainingBatch[] = [];

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly mix: DataMix,
    private readonly nCtx: number,
    private readonly batchSize: number,
    private readonly seed: number,
  ) {}

  next(): TrainingBatch {
    if (this.queue.length === 0) this.refill();
    return this.queue.shift()!;
  }

  private refill(): void {
    const per = Math.max(1, this.mix.bucketBatches);
    // The pool's first step decides its curriculum phase.
    const firstStep = this.pool * per;
    const premise: PremiseChoice = firstStep < this.mix.fixedPremiseSteps ? 'first' : 'either';
    const restrict = this.mix.restrictTemplatesUntil === undefined || firstStep < this.mix.restrictTemplatesUntil;
    const rows = drawPool(this.tokenizer, this.mix, this.nCtx, this.seed, this.pool, per * this.batchSize, premise, restrict);
    const order = rows.map((r, i) => [r.ids.length, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const sorted = order.map(([, i]) => rows[i]);
    const batches: TrainingBatch[] = [];
    for (let i = 0; i < per; i++) {
      batches.push(assembleBatch(sorted.slice(i * this.batchSize, (i + 1) * this.batchSize), this.tokenizer.bosId!, this.mix.answerWeight));
    }
    const rand = mulberry32(deriveSeed(this.seed, this.pool, 4));
    for (let i = batches.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [batches[i], batches[j]] = [batches[j], batches[i]];
    }
    this.queue = batches;
    this.pool++;
  }
}
