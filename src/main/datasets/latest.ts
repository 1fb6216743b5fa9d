/**
 * Latest subject: two or three people act in turn and the prompt asks for the most recent one.
 * "Tom opened the door, then Sue opened the window. The last one to open something was"
 * -> " Sue" (correct) vs " Tom" (the subject just before, incorrect).
 *
 * For the metric the correct answer is the clean run's last subject. The 'swap' corruption
 * exchanges the last two subjects, so the clean answer is no longer the latest and the clean
 * incorrect name is: the logit difference flips. Names are single words: the length is kept.
 */
import type { Corruption, Split, TaskItem } from './types';
import type { Rng } from './random';
import type { TaskGenerator, TemplateSpec } from './sampling';
import { pickCombo, pickNames } from './sampling';
import { LATEST_OBJECTS, LATEST_VERBS } from './words';
import { answer, fillPattern } from './text';
import { itemSplit } from './split';

interface LatestTemplate extends TemplateSpec {
  subjects: number;
}

/** {N1}..{N3} act in order on {O1}..{O3}; {VERBED} is the past tense, {VERB} the base form. */
const PATTERNS: readonly { id: string; subjects: number; pattern: string }[] = [
  {
    id: 'then',
    subjects: 2,
    pattern: '{N1} {VERBED} the {O1}, then {N2} {VERBED} the {O2}. The last one to {VERB} something was',
  },
  {
    id: 'then',
    subjects: 3,
    pattern:
      '{N1} {VERBED} the {O1}, then {N2} {VERBED} the {O2}, then {N3} {VERBED} the {O3}. The last one to {VERB} something was',
  },
  {
    id: 'first-then',
    subjects: 2,
    pattern: 'First {N1} {VERBED} the {O1}, and then {N2} {VERBED} the {O2}. The last person to {VERB} something was',
  },
  {
    id: 'first-then',
    subjects: 3,
    pattern:
      'First {N1} {VERBED} the {O1}, then {N2} {VERBED} the {O2}, and then {N3} {VERBED} the {O3}. The last person to {VERB} something was',
  },
  {
    id: 'after-that',
    subjects: 2,
    pattern: '{N1} {VERBED} the {O1}. After that, {N2} {VERBED} the {O2}. The most recent one to {VERB} something was',
  },
  {
    id: 'after-that',
    subjects: 3,
    pattern:
      '{N1} {VERBED} the {O1}. After that, {N2} {VERBED} the {O2}. After that, {N3} {VERBED} the {O3}. The most recent one to {VERB} something was',
  },
];

const TEMPLATES: readonly LatestTemplate[] = PATTERNS.map((p) => ({
  id: `latest/${p.id}/${p.subjects}`,
  pattern: p.pattern,
  subjects: p.subjects,
}));

function comboKey(verb: string, objects: readonly string[]): string {
  return `latest:${verb}|${objects.join(',')}`;
}

function nameSlots(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n, i) => [`N${i + 1}`, n]));
}

function sample(rng: Rng, _corruptRng: Rng, template: TemplateSpec, split: Split, corruption: Corruption): TaskItem {
  if (corruption !== 'swap') throw new Error(`latest: corruption "${corruption}" is not supported`);
  const t = template as LatestTemplate;
  const k = t.subjects;
  const names = pickNames(rng, k, split);
  const { verb, objects } = pickCombo(
    split,
    () => ({ verb: rng.pick(LATEST_VERBS), objects: rng.pickDistinct(LATEST_OBJECTS, k) }),
    (c) => comboKey(c.verb.past, c.objects),
  );
  const words: Record<string, string> = { VERBED: verb.past, VERB: verb.base };
  objects.forEach((o, i) => (words[`O${i + 1}`] = o));
  const swapped = names.slice();
  [swapped[k - 2], swapped[k - 1]] = [swapped[k - 1], swapped[k - 2]];
  return {
    clean: fillPattern(t.pattern, { ...words, ...nameSlots(names) }),
    corrupted: fillPattern(t.pattern, { ...words, ...nameSlots(swapped) }),
    correct: answer(names[k - 1]),
    incorrect: answer(names[k - 2]),
    template: t.id,
    task: 'latest',
    meta: {
      subjects: names.join(','),
      verb: verb.past,
      objects: objects.join(','),
      corruption,
      split: itemSplit(names, comboKey(verb.past, objects)),
    },
  };
}

export const latestGenerator: TaskGenerator = {
  task: 'latest',
  templates: TEMPLATES,
  corruptions: ['swap'],
  sample,
};
