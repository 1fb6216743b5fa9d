/**
 * Adjective comparison with antonyms: a premise compares two people ("Alice is taller than
 * Bob"), a conclusion asks for one of them through the same comparative or its antonym.
 * - the-one / compared-to (the task's definition, drawn by default): "..., so the shorter one
 *   is" -> " Bob"; "..., so the taller one is" -> " Alice". Only the conclusion's adjective
 *   decides the answer, so the model must relate it to the premise's (same or antonym).
 * - subject (opt-in, drawn only when named by id): "Alice is taller than Bob, so Bob is shorter
 *   than" -> " Alice" (antonym) and "..., so Alice is taller than" -> " Bob" (same). A true
 *   conclusion always names the other person, so a model can answer without reading the
 *   adjectives; the 'flip' corruption changes adjective and subject together.
 *
 * For the metric the correct answer is the clean run's answer. Corruptions keep the length:
 * - 'flip' the conclusion states the opposite comparison so the other name is right: the
 *   adjective becomes its antonym; in the subject templates the subject changes with it (a
 *   lone adjective flip would make "so Bob is taller than" unanswerable, not reversed);
 * - 'swap' the two names are exchanged everywhere, reversing the premise.
 */
import type { Corruption, SampleOptions, Split, TaskItem } from './types';
import type { Rng } from './random';
import type { TaskGenerator, TemplateSpec } from './sampling';
import { pickCombo, pickNames } from './sampling';
import { ANTONYM_PAIRS, CONNECTIVES, type AntonymPair } from './words';
import { answer, fillPattern } from './text';
import { itemSplit } from './split';

type Relation = 'antonym' | 'same';
type Form = 'the-one' | 'compared-to' | 'subject';

interface ComparisonTemplate extends TemplateSpec {
  form: Form;
  relation: Relation;
}

/** {X} is the premise's comparative, {Y} the conclusion's, {S} the conclusion's subject. */
const PATTERNS: Record<Form, string> = {
  'the-one': '{A} is {X} than {B}, {CONN} the {Y} one is',
  'compared-to': 'Compared to {B}, {A} is {X}, {CONN} the {Y} one is',
  subject: '{A} is {X} than {B}, {CONN} {S} is {Y} than',
};

const TEMPLATES: readonly ComparisonTemplate[] = (Object.keys(PATTERNS) as Form[]).flatMap((form) =>
  (['antonym', 'same'] as const).map((relation) => ({
    id: `comparison/${form}/${relation}`,
    pattern: PATTERNS[form],
    form,
    relation,
    ...(form === 'subject' ? { optIn: true } : {}),
  })),
);

function comboKey(pair: AntonymPair, conn: string): string {
  return `comparison:${pair.base.join('/')}|${conn}`;
}

function antonymOf(pair: AntonymPair, comparative: string): string {
  return pair.comparative[0] === comparative ? pair.comparative[1] : pair.comparative[0];
}

interface Slots {
  A: string;
  B: string;
  X: string;
  Y: string;
  S: string;
  CONN: string;
}

/** The conclusion for a relation; in the subject form the subject is the name that makes it true. */
function conclusion(form: Form, relation: Relation, pair: AntonymPair, x: string, a: string, b: string) {
  const y = relation === 'same' ? x : antonymOf(pair, x);
  const s = form === 'subject' ? (relation === 'same' ? a : b) : '';
  return { Y: y, S: s };
}

/**
 * [correct, incorrect]. "the Y one" with Y = X names the premise's subject A; "S is Y than"
 * names the person S is compared with, which is A exactly when S = B (the antonym form).
 */
function answers(form: Form, relation: Relation, a: string, b: string): [string, string] {
  const first = form === 'subject' ? relation === 'antonym' : relation === 'same';
  return first ? [a, b] : [b, a];
}

function corrupt(form: Form, relation: Relation, pair: AntonymPair, clean: Slots, corruption: Corruption): Slots {
  switch (corruption) {
    case 'flip': {
      const other: Relation = relation === 'same' ? 'antonym' : 'same';
      return { ...clean, ...conclusion(form, other, pair, clean.X, clean.A, clean.B) };
    }
    case 'swap': {
      const swapName = (n: string) => (n === clean.A ? clean.B : n === clean.B ? clean.A : n);
      return { ...clean, A: clean.B, B: clean.A, S: swapName(clean.S) };
    }
    default:
      throw new Error(`comparison: corruption "${corruption}" is not supported`);
  }
}

function sample(rng: Rng, _corruptRng: Rng, template: TemplateSpec, split: Split, corruption: Corruption, options: SampleOptions): TaskItem {
  const t = template as ComparisonTemplate;
  const [a, b] = pickNames(rng, 2, split);
  const { pair, conn } = pickCombo(
    split,
    () => ({ pair: rng.pick(ANTONYM_PAIRS), conn: rng.pick(CONNECTIVES) }),
    (c) => comboKey(c.pair, c.conn),
  );
  const drawn = rng.pick(pair.comparative);
  const x = options.premise === 'first' ? pair.comparative[0] : drawn;
  const cleanSlots: Slots = { A: a, B: b, X: x, CONN: conn, ...conclusion(t.form, t.relation, pair, x, a, b) };
  const corruptSlots = corrupt(t.form, t.relation, pair, cleanSlots, corruption);
  const [correct, incorrect] = answers(t.form, t.relation, a, b);
  const meta: Record<string, string> = {
    a,
    b,
    pair: pair.base.join('/'),
    premise: x,
    conclusion: cleanSlots.Y,
    relation: t.relation,
    connective: conn,
    corruption,
    split: itemSplit([a, b], comboKey(pair, conn)),
  };
  return {
    clean: fillPattern(t.pattern, { ...cleanSlots }),
    corrupted: fillPattern(t.pattern, { ...corruptSlots }),
    correct: answer(correct),
    incorrect: answer(incorrect),
    template: t.id,
    task: 'comparison',
    meta,
  };
}

export const comparisonGenerator: TaskGenerator = {
  task: 'comparison',
  templates: TEMPLATES,
  corruptions: ['flip', 'swap'],
  sample,
};
