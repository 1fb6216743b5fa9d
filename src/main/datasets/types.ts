/**
 * Task datasets: clean/corrupted prompt pairs with the two answer tokens the logit-difference
 * metric compares. Answers are spelled GPT-2 style, with a leading space (" Mary"), so one
 * spelling works for byte-level BPE (" Mary" is one token) and for word-level vocabularies
 * (the word "Mary").
 */

export type TaskName = 'ioi' | 'comparison' | 'latest';

export const TASK_NAMES: readonly TaskName[] = ['ioi', 'comparison', 'latest'];

export interface TaskItem {
  clean: string;
  /** Same token length as `clean`; flips or removes the signal that picks `correct`. */
  corrupted: string;
  /** The clean run's correct answer (" Mary"). The metric is logit(correct) - logit(incorrect) on both runs. */
  correct: string;
  incorrect: string;
  /** Id of the template the item came from (e.g. "ioi/when-went/ABBA"); evaluation breaks results down by it. */
  template: string;
  task: TaskName;
  /** Slot fillers and provenance (names, words, corruption, split), all strings. */
  meta?: Record<string, string>;
}

export interface Dataset {
  name: string;
  task: TaskName;
  items: TaskItem[];
}

/**
 * 'train' and 'heldout' never share a name pair or a word combination (see split.ts);
 * 'all' draws from the whole space, including items that belong to neither split.
 */
export type Split = 'train' | 'heldout' | 'all';

/**
 * How the corrupted prompt is made (valid per task: see CORRUPTIONS in generate.ts).
 * - 'abc'    IOI: all three name positions get three fresh distinct names (the IOI paper's p_ABC).
 * - 'abc-s2' IOI: only the second subject mention S2 becomes a third name C.
 * - 'swap'   IOI: S2 becomes the IO name, so the clean S is now the right answer.
 *            comparison: the two names are exchanged everywhere.
 *            latest: the last two subjects are exchanged, so the clean answer is no longer the latest.
 * - 'flip'   comparison: the second clause states the opposite comparison, so the other name is right.
 * - 'premise' comparison: the first clause states the opposite comparison (the conclusion is kept),
 *            so the other name is right.
 */
export type Corruption = 'abc' | 'abc-s2' | 'swap' | 'flip' | 'premise';

export type PremiseChoice = 'either' | 'first';

/** Per-item options a task generator reads (those of GenerateOptions that shape one item). */
export interface SampleOptions {
  premise: PremiseChoice;
}

export interface GenerateOptions {
  /** Number of items, a non-negative integer. */
  n: number;
  /** Any integer; the same seed and options give the same items. */
  seed: number;
  /** Default 'all'. */
  split?: Split;
  /** Default: DEFAULT_CORRUPTION[task]. */
  corruption?: Corruption;
  /** Draw only these template ids, opt-in ones allowed (default: the task's templates that are not opt-in). */
  templates?: readonly string[];
  /**
   * Comparison only: which comparative of its antonym pair a premise states. 'first' (taller,
   * bigger, older, ...) makes the answer follow from the conclusion's adjective alone: the easy
   * first phase of the training curriculum. Default 'either'.
   */
  premise?: PremiseChoice;
  /** Called every 1,000 items and at the end. */
  onProgress?: (done: number, total: number) => void;
  /** Generation stops with an AbortError-named error when aborted. */
  signal?: AbortSignal;
}
