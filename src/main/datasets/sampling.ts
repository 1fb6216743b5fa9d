/** What every task generator provides, and split-aware sampling of names and word combinations. */
import type { Corruption, SampleOptions, Split, TaskItem, TaskName } from './types';
import type { Rng } from './random';
import { NAMES } from './words';
import { comboSplit, namePairSplit } from './split';

export interface TemplateSpec {
  /** Stable id written into TaskItem.template, e.g. "ioi/when-went/ABBA". */
  id: string;
  /** Text with {SLOT} placeholders; every slot value is a single word. */
  pattern: string;
  /**
   * Drawn only when asked for by id (GenerateOptions.templates); a task's default mix leaves
   * it out. For templates that probe a harder skill than the task's own definition.
   */
  optIn?: boolean;
  /** Position names of slots where they differ from the slot (IOI ABBA: {A} is IO, {B} S1, {C} S2). */
  positionNames?: Readonly<Record<string, string>>;
}

export interface TaskGenerator {
  task: TaskName;
  templates: readonly TemplateSpec[];
  /** The corruption schemes this task supports; the first is the default. */
  corruptions: readonly Corruption[];
  /**
   * One item. `rng` draws the clean item, `corruptRng` only what the corruption adds (fresh
   * names), so the clean items of a seed are the same whatever the corruption scheme.
   */
  sample(rng: Rng, corruptRng: Rng, template: TemplateSpec, split: Split, corruption: Corruption, options: SampleOptions): TaskItem;
}

const MAX_ATTEMPTS = 10_000;

const partnerCache = new Map<string, { list: string[]; set: Set<string> }>();

/** The names whose pair with `name` lies in `split` (cached: the rule never changes). */
function partnerEntry(name: string, split: 'train' | 'heldout') {
  const key = `${split}:${name}`;
  let entry = partnerCache.get(key);
  if (!entry) {
    const list = NAMES.filter((other) => other !== name && namePairSplit(name, other) === split);
    entry = { list, set: new Set(list) };
    partnerCache.set(key, entry);
  }
  return entry;
}
const partners = (name: string, split: 'train' | 'heldout') => partnerEntry(name, split).list;
const partnerSet = (name: string, split: 'train' | 'heldout') => partnerEntry(name, split).set;

/**
 * `k` distinct names whose every pair lies in `split` (any names for 'all'), in random order.
 * Grows the set one name at a time from the partners that keep all pairs in the split.
 */
export function pickNames(rng: Rng, k: number, split: Split): string[] {
  if (split === 'all') return rng.pickDistinct(NAMES, k);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const chosen = [rng.pick(NAMES)];
    while (chosen.length < k) {
      const candidates = partners(chosen[0], split).filter(
        (name) => !chosen.includes(name) && chosen.every((c) => partnerSet(c, split).has(name)),
      );
      if (candidates.length === 0) break;
      chosen.push(rng.pick(candidates));
    }
    if (chosen.length === k) return rng.pickDistinct(chosen, k);
  }
  throw new Error(`no ${k} names with every pair in the ${split} split`);
}

/** Draw word combinations until one lies in `split` (about 1 in 5 draws for 'heldout'). */
export function pickCombo<T>(split: Split, draw: () => T, key: (combo: T) => string): T {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const combo = draw();
    if (split === 'all' || comboSplit(key(combo)) === split) return combo;
  }
  throw new Error(`no word combination in the ${split} split after ${MAX_ATTEMPTS} draws`);
}

/** `k` names that are not in `exclude`, distinct, in random order. */
export function freshNames(rng: Rng, k: number, exclude: readonly string[]): string[] {
  return rng.pickDistinct(
    NAMES.filter((n) => !exclude.includes(n)),
    k,
  );
}
