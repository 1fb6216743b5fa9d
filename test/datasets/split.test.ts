import { describe, expect, it } from 'vitest';
import { TASK_NAMES, generate, itemSplit, namePairKey, namePairSplit, type TaskItem, type TaskName } from '../../src/main/datasets';
import { NAMES } from '../../src/main/datasets/words';

/** Name pairs of an item's clean prompt, read from its meta (the generator's record of the names). */
function namePairs(item: TaskItem): string[] {
  const m = item.meta!;
  const names = item.task === 'ioi' ? [m.io, m.s] : item.task === 'comparison' ? [m.a, m.b] : m.subjects.split(',');
  const pairs: string[] = [];
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) pairs.push(namePairKey(names[i], names[j]));
  return pairs;
}

/** The word combination of an item (its non-name content words). */
function combo(item: TaskItem): string {
  const m = item.meta!;
  if (item.task === 'ioi') return `${m.place}|${m.object}|${m.verb ?? ''}`;
  if (item.task === 'comparison') return `${m.pair}|${m.connective}`;
  return `${m.verb}|${m.objects}`;
}

/** Every word of the clean prompts (names included). */
function vocabularyOf(items: TaskItem[]): Set<string> {
  return new Set(items.flatMap((i) => i.clean.match(/[A-Za-z]+/g) ?? []));
}

describe('held-out split', () => {
  for (const task of TASK_NAMES) {
    it(`${task}: train and held-out items share no name pair and no word combination`, () => {
      const train = generate(task, { n: 3000, seed: 1, split: 'train' });
      const heldout = generate(task, { n: 600, seed: 2, split: 'heldout' });
      const trainPairs = new Set(train.flatMap(namePairs));
      const trainCombos = new Set(train.map(combo));
      for (const item of heldout) {
        for (const pair of namePairs(item)) expect(trainPairs.has(pair)).toBe(false);
        expect(trainCombos.has(combo(item))).toBe(false);
      }
      // The rule is about combinations, not words: every held-out word is seen in training.
      const trainWords = vocabularyOf(train);
      const unseen = [...vocabularyOf(heldout)].filter((w) => !trainWords.has(w));
      expect(unseen).toEqual([]);
      // Both splits are varied: many name pairs and combinations.
      expect(new Set(heldout.flatMap(namePairs)).size).toBeGreaterThan(100);
      expect(new Set(heldout.map(combo)).size).toBeGreaterThan(3);
    });

    it(`${task}: meta.split records the split; 'all' also yields items of neither split`, () => {
      for (const split of ['train', 'heldout'] as const) {
        for (const item of generate(task, { n: 100, seed: 3, split })) expect(item.meta?.split).toBe(split);
      }
      const all = generate(task as TaskName, { n: 500, seed: 4 });
      const kinds = new Set(all.map((i) => i.meta?.split));
      expect(kinds.has('train') && kinds.has('mixed')).toBe(true);
    });
  }

  it('about a fifth of the name pairs are held out, and the rule is symmetric', () => {
    let held = 0;
    let total = 0;
    for (let i = 0; i < NAMES.length; i++) {
      for (let j = i + 1; j < NAMES.length; j++) {
        total++;
        if (namePairSplit(NAMES[i], NAMES[j]) === 'heldout') held++;
        expect(namePairSplit(NAMES[j], NAMES[i])).toBe(namePairSplit(NAMES[i], NAMES[j]));
      }
    }
    expect(held / total).toBeGreaterThan(0.15);
    expect(held / total).toBeLessThan(0.25);
  });

  it('itemSplit is mixed as soon as one key disagrees', () => {
    const [a, b] = NAMES;
    const pairSplit = namePairSplit(a, b);
    const agreeing = Array.from({ length: 200 }, (_, i) => `x:${i}`).find((k) => itemSplit([a, b], k) === pairSplit)!;
    const disagreeing = Array.from({ length: 200 }, (_, i) => `x:${i}`).find((k) => itemSplit([a, b], k) === 'mixed')!;
    expect(agreeing).toBeDefined();
    expect(disagreeing).toBeDefined();
  });
});
