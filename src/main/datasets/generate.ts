/** Seeded, deterministic generation of task datasets from templates. */
import type { Corruption, Dataset, GenerateOptions, PremiseChoice, Split, TaskItem, TaskName } from './types';
import { TASK_NAMES } from './types';
import type { TaskGenerator } from './sampling';
import { Rng } from './random';
import { ioiGenerator } from './ioi';
import { comparisonGenerator } from './comparison';
import { latestGenerator } from './latest';

export const GENERATORS: Readonly<Record<TaskName, TaskGenerator>> = {
  ioi: ioiGenerator,
  comparison: comparisonGenerator,
  latest: latestGenerator,
};

/** The corruption schemes each task supports. */
export const CORRUPTIONS: Readonly<Record<TaskName, readonly Corruption[]>> = {
  ioi: ioiGenerator.corruptions,
  comparison: comparisonGenerator.corruptions,
  latest: latestGenerator.corruptions,
};

export const DEFAULT_CORRUPTION: Readonly<Record<TaskName, Corruption>> = {
  ioi: 'abc',
  comparison: 'flip',
  latest: 'swap',
};

const SPLITS: readonly Split[] = ['train', 'heldout', 'all'];
const PREMISE_CHOICES: readonly PremiseChoice[] = ['either', 'first'];

/** Template ids of a task, opt-in ones included, in a stable order. */
export function templateIds(task: TaskName): string[] {
  return generatorFor(task).templates.map((t) => t.id);
}

/** The templates a task draws when none are named: all but the opt-in ones. */
export function defaultTemplateIds(task: TaskName): string[] {
  return generatorFor(task).templates.filter((t) => !t.optIn).map((t) => t.id);
}

/** The templates a task draws only when named. */
export function optInTemplateIds(task: TaskName): string[] {
  return generatorFor(task).templates.filter((t) => t.optIn).map((t) => t.id);
}

function generatorFor(task: string): TaskGenerator {
  if (!(TASK_NAMES as readonly string[]).includes(task)) {
    throw new Error(`unknown task "${task}" (expected one of: ${TASK_NAMES.join(', ')})`);
  }
  return GENERATORS[task as TaskName];
}

const PROGRESS_EVERY = 1000;

/**
 * `opts.n` items of `task`, the same for the same task and options. Throws on invalid
 * options (naming the option) and when `opts.signal` is aborted (error name 'AbortError').
 */
export function generate(task: TaskName, opts: GenerateOptions): TaskItem[] {
  const generator = generatorFor(task);
  const { n, seed, split = 'all', corruption = DEFAULT_CORRUPTION[task] } = opts;
  if (!Number.isInteger(n) || n < 0) throw new Error(`generate: "n" must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(seed)) throw new Error(`generate: "seed" must be an integer, got ${seed}`);
  if (!SPLITS.includes(split)) throw new Error(`generate: "split" must be one of ${SPLITS.join(', ')}, got "${split}"`);
  const { premise = 'either' } = opts;
  if (!PREMISE_CHOICES.includes(premise)) throw new Error(`generate: "premise" must be one of ${PREMISE_CHOICES.join(', ')}, got "${premise}"`);
  if (!generator.corruptions.includes(corruption)) {
    throw new Error(
      `generate: corruption "${corruption}" is not available for task "${task}" (expected one of: ${generator.corruptions.join(', ')})`,
    );
  }
  let templates = generator.templates.filter((t) => !t.optIn);
  if (opts.templates) {
    const known = new Set(generator.templates.map((t) => t.id));
    const unknown = opts.templates.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new Error(`generate: unknown template(s) for task "${task}": ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
    }
    if (opts.templates.length === 0) throw new Error('generate: "templates" is empty');
    // An id named twice is drawn twice as often (a recipe weights templates this way).
    templates = generator.templates.flatMap((t) => opts.templates!.filter((id) => id === t.id).map(() => t));
  }

  const rng = new Rng(seed);
  const corruptRng = new Rng(seed, 1);
  const items: TaskItem[] = [];
  for (let i = 0; i < n; i++) {
    if (i % PROGRESS_EVERY === 0) {
      if (i > 0) opts.onProgress?.(i, n);
      if (opts.signal?.aborted) {
        const error = new Error(`generate: aborted after ${i} of ${n} items`);
        error.name = 'AbortError';
        throw error;
      }
    }
    items.push(generator.sample(rng, corruptRng, rng.pick(templates), split, corruption, { premise }));
  }
  opts.onProgress?.(n, n);
  return items;
}

/** `generate` wrapped as a named dataset, e.g. "ioi-heldout-abc-seed1-n200". */
export function generateDataset(task: TaskName, opts: GenerateOptions): Dataset {
  const split = opts.split ?? 'all';
  const corruption = opts.corruption ?? DEFAULT_CORRUPTION[task];
  return {
    name: `${task}-${split}-${corruption}-seed${opts.seed}-n${opts.n}`,
    task,
    items: generate(task, opts),
  };
}
