/**
 * Indirect object identification (Wang et al. 2022): "When Mary and John went to the store,
 * John gave a drink to" -> " Mary" (the indirect object IO) vs " John" (the subject S).
 * ABBA puts IO first in the opening clause, BABA puts S first; S is always repeated (S2).
 *
 * For the metric the correct answer is always the clean run's IO and the incorrect one its S.
 * The corrupted prompt keeps the template, place, object and verb and changes only names:
 * - 'abc'    (IOI paper's p_ABC) the IO, S1 and S2 positions get three fresh distinct names,
 *            neither IO nor S appears, so logit(IO) - logit(S) carries no signal;
 * - 'abc-s2' only S2 becomes a third name C: no name repeats, so nothing singles out IO;
 * - 'swap'   S2 becomes IO ("..., Mary gave a drink to"), so S is now right: the difference flips.
 * Names are single words, so the corrupted prompt has the clean prompt's token length.
 */
import type { Corruption, Split, TaskItem } from './types';
import type { Rng } from './random';
import type { TaskGenerator, TemplateSpec } from './sampling';
import { freshNames, pickCombo, pickNames } from './sampling';
import { IOI_OBJECTS, IOI_VERBS, PLACES } from './words';
import { answer, fillPattern } from './text';
import { itemSplit } from './split';

/** Name slots: {A} and {B} open the sentence, {C} is the repeated subject S2. */
const PATTERNS: readonly { id: string; pattern: string }[] = [
  { id: 'when-went', pattern: 'When {A} and {B} went to the {PLACE}, {C} {VERB} a {OBJECT} to' },
  { id: 'then-went', pattern: 'Then, {A} and {B} went to the {PLACE}. {C} {VERB} a {OBJECT} to' },
  { id: 'while-working', pattern: 'While {A} and {B} were working at the {PLACE}, {C} {VERB} a {OBJECT} to' },
  { id: 'after-went', pattern: 'After {A} and {B} went to the {PLACE}, {C} {VERB} a {OBJECT} to' },
  { id: 'afterwards', pattern: 'Afterwards, {A} and {B} went to the {PLACE}. {C} {VERB} a {OBJECT} to' },
  { id: 'when-got', pattern: 'When {A} and {B} got a {OBJECT} at the {PLACE}, {C} decided to give it to' },
  { id: 'friends-found', pattern: 'Friends {A} and {B} found a {OBJECT} at the {PLACE}. {C} gave it to' },
];

type Order = 'ABBA' | 'BABA';

interface IoiTemplate extends TemplateSpec {
  order: Order;
  usesVerb: boolean;
}

const TEMPLATES: readonly IoiTemplate[] = PATTERNS.flatMap(({ id, pattern }) =>
  (['ABBA', 'BABA'] as const).map((order) => ({
    id: `ioi/${id}/${order}`,
    pattern,
    order,
    usesVerb: pattern.includes('{VERB}'),
    positionNames: order === 'ABBA' ? { A: 'IO', B: 'S1', C: 'S2' } : { A: 'S1', B: 'IO', C: 'S2' },
  })),
);

interface Words {
  place: string;
  object: string;
  verb: string;
}

function comboKey(w: Words, usesVerb: boolean): string {
  return `ioi:${w.place}|${w.object}|${usesVerb ? w.verb : ''}`;
}

/** Name slots for an order: ABBA = IO, S, S; BABA = S, IO, S. */
function nameSlots(order: Order, io: string, s: string, s2: string): { A: string; B: string; C: string } {
  return order === 'ABBA' ? { A: io, B: s, C: s2 } : { A: s, B: io, C: s2 };
}

function corruptedNames(rng: Rng, t: IoiTemplate, io: string, s: string, corruption: Corruption) {
  switch (corruption) {
    case 'abc': {
      const [x, y, z] = freshNames(rng, 3, [io, s]);
      return { A: x, B: y, C: z };
    }
    case 'abc-s2':
      return nameSlots(t.order, io, s, freshNames(rng, 1, [io, s])[0]);
    case 'swap':
      return nameSlots(t.order, io, s, io);
    default:
      throw new Error(`ioi: corruption "${corruption}" is not supported`);
  }
}

function sample(rng: Rng, corruptRng: Rng, template: TemplateSpec, split: Split, corruption: Corruption): TaskItem {
  const t = template as IoiTemplate;
  const [io, s] = pickNames(rng, 2, split);
  const words = pickCombo(
    split,
    (): Words => ({ place: rng.pick(PLACES), object: rng.pick(IOI_OBJECTS), verb: rng.pick(IOI_VERBS) }),
    (w) => comboKey(w, t.usesVerb),
  );
  const shared = { PLACE: words.place, OBJECT: words.object, VERB: words.verb };
  const clean = fillPattern(t.pattern, { ...shared, ...nameSlots(t.order, io, s, s) });
  const corrupted = fillPattern(t.pattern, { ...shared, ...corruptedNames(corruptRng, t, io, s, corruption) });
  const meta: Record<string, string> = { io, s, order: t.order, place: words.place, object: words.object };
  if (t.usesVerb) meta.verb = words.verb;
  meta.corruption = corruption;
  meta.split = itemSplit([io, s], comboKey(words, t.usesVerb));
  return { clean, corrupted, correct: answer(io), incorrect: answer(s), template: t.id, task: 'ioi', meta };
}

export const ioiGenerator: TaskGenerator = {
  task: 'ioi',
  templates: TEMPLATES,
  corruptions: ['abc', 'abc-s2', 'swap'],
  sample,
};
