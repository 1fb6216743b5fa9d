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
 * - word (opt-in): "Alice is taller than Bob, so Bob is" -> " shorter" (antonym), "..., so Alice
 *   is" -> " taller" (same): the answer is the comparative itself, so the model must write the
 *   premise's antonym (or the word itself) into the unembedding space. Its corruptions keep the
 *   answer a comparative: 'flip' changes the subject, 'premise' only the premise's comparative,
 *   'swap' only the premise's names.
 * - two-premises (opt-in): "Alice is taller than Bob and Carol is older than Dan, so the younger
 *   one is" -> " Dan". Two premises on different antonym pairs; the conclusion asks about one of
 *   them (either, at random), so the model must find the premise whose pair the conclusion's
 *   adjective belongs to: relating the two adjectives needs their identity, not only which side
 *   of its pair each is. The incorrect answer is the other person of the same premise.
 *
 * For the metric the correct answer is the clean run's answer. Corruptions keep the length:
 * - 'flip' the conclusion states the opposite comparison so the other name is right: the
 *   adjective becomes its antonym; in the subject templates the subject changes with it (a
 *   lone adjective flip would make "so Bob is taller than" unanswerable, not reversed);
 * - 'premise' the premise states the opposite comparison (its comparative becomes the antonym)
 *   and the conclusion is kept, so the other name is right; in the subject templates the subject
 *   changes with it, as in 'flip'. Heads that read the premise's adjective show their effect
 *   here; under 'flip' that adjective is the same in both runs.
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
type Form = 'the-one' | 'compared-to' | 'subject' | 'word' | 'two-premises';

interface ComparisonTemplate extends TemplateSpec {
  form: Form;
  relation: Relation;
}

/**
 * {X} is the premise's comparative, {Y} the conclusion's, {S} the conclusion's subject; the
 * two-premises form adds a second premise, {C} is {W} than {D}.
 */
const PATTERNS: Record<Form, string> = {
  'the-one': '{A} is {X} than {B}, {CONN} the {Y} one is',
  'compared-to': 'Compared to {B}, {A} is {X}, {CONN} the {Y} one is',
  subject: '{A} is {X} than {B}, {CONN} {S} is {Y} than',
  word: '{A} is {X} than {B}, {CONN} {S} is',
  'two-premises': '{A} is {X} than {B} and {C} is {W} than {D}, {CONN} the {Y} one is',
};

const TEMPLATES: readonly ComparisonTemplate[] = (Object.keys(PATTERNS) as Form[]).flatMap((form) =>
  (['antonym', 'same'] as const).map((relation) => ({
    id: `comparison/${form}/${relation}`,
    pattern: PATTERNS[form],
    form,
    relation,
    ...(form === 'subject' || form === 'word' || form === 'two-premises' ? { optIn: true } : {}),
  })),
);

function comboKey(pair: AntonymPair, conn: string, second?: AntonymPair): string {
  return `comparison:${pair.base.join('/')}|${second ? `${second.base.join('/')}|` : ''}${conn}`;
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
  /** The second premise (two-premises form only). */
  C?: string;
  D?: string;
  W?: string;
}

/** The premise a conclusion asks about: its subject, comparative, object and pair. */
interface Queried {
  subject: 'A' | 'C';
  comparative: 'X' | 'W';
  object: 'B' | 'D';
  pair: AntonymPair;
}

/** The conclusion for a relation; in the subject form the subject is the name that makes it true. */
function conclusion(form: Form, relation: Relation, pair: AntonymPair, x: string, a: string, b: string) {
  const y = relation === 'same' ? x : antonymOf(pair, x);
  const s = form === 'subject' || form === 'word' ? (relation === 'same' ? a : b) : '';
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

function corrupt(form: Form, relation: Relation, q: Queried, clean: Slots, corruption: Corruption): Slots {
  const x = clean[q.comparative]!;
  const a = clean[q.subject]!;
  const b = clean[q.object]!;
  switch (corruption) {
    case 'flip': {
      const other: Relation = relation === 'same' ? 'antonym' : 'same';
      return { ...clean, ...conclusion(form, other, q.pair, x, a, b) };
    }
    case 'premise': {
      // The subject form's conclusion must stay true, so its subject changes too; the word form keeps it.
      const subject = clean.S === '' || form === 'word' ? clean.S : clean.S === a ? b : a;
      return { ...clean, [q.comparative]: antonymOf(q.pair, x), S: subject };
    }
    case 'swap': {
      // Both premises reverse, so whichever the conclusion asks about names the other person; the
      // word form keeps its subject, which now asks for the other comparative.
      const swapName = (n: string) => (form === 'word' ? n : n === clean.A ? clean.B : n === clean.B ? clean.A : n);
      const second = clean.C === undefined ? {} : { C: clean.D, D: clean.C };
      return { ...clean, A: clean.B, B: clean.A, S: swapName(clean.S), ...second };
    }
    default:
      throw new Error(`comparison: corruption "${corruption}" is not supported`);
  }
}

function sample(rng: Rng, _corruptRng: Rng, template: TemplateSpec, split: Split, corruption: Corruption, options: SampleOptions): TaskItem {
  const t = template as ComparisonTemplate;
  if (t.form === 'two-premises') return sampleTwoPremises(rng, t, split, corruption, options);
  const [a, b] = pickNames(rng, 2, split);
  const { pair, conn } = pickCombo(
    split,
    () => ({ pair: rng.pick(ANTONYM_PAIRS), conn: rng.pick(CONNECTIVES) }),
    (c) => comboKey(c.pair, c.conn),
  );
  const drawn = rng.pick(pair.comparative);
  const x = options.premise === 'first' ? pair.comparative[0] : drawn;
  const cleanSlots: Slots = { A: a, B: b, X: x, CONN: conn, ...conclusion(t.form, t.relation, pair, x, a, b) };
  const corruptSlots = corrupt(t.form, t.relation, { subject: 'A', comparative: 'X', object: 'B', pair }, cleanSlots, corruption);
  const [correct, incorrect] = t.form === 'word' ? [cleanSlots.Y, antonymOf(pair, cleanSlots.Y)] : answers(t.form, t.relation, a, b);
  const meta: Record<string, string> = {
    a,
    b,
    pair: pair.base.join('/'),
    premise: x,
    // the word form's conclusion has no adjective in the prompt: its comparative is the answer
    ...(t.form === 'word' ? { answer: cleanSlots.Y } : { conclusion: cleanSlots.Y }),
    relation: t.relation,
    connective: conn,
    corruption,
    split: itemSplit([a, b], comboKey(pair, conn)),
  };
  return item(t, cleanSlots, corruptSlots, correct, incorrect, meta);
}

/** The two-premises form: two pairs, four names, and a conclusion about one premise. */
function sampleTwoPremises(rng: Rng, t: ComparisonTemplate, split: Split, corruption: Corruption, options: SampleOptions): TaskItem {
  const [a, b, c, d] = pickNames(rng, 4, split);
  const { pair, second, conn } = pickCombo(
    split,
    () => {
      const [p1, p2] = rng.pickDistinct(ANTONYM_PAIRS, 2);
      return { pair: p1, second: p2, conn: rng.pick(CONNECTIVES) };
    },
    (k) => comboKey(k.pair, k.conn, k.second),
  );
  const drawn = [pair, second].map((p) => rng.pick(p.comparative));
  const comparatives = options.premise === 'first' ? [pair.comparative[0], second.comparative[0]] : drawn;
  const q: Queried = rng.float() < 0.5 ? { subject: 'A', comparative: 'X', object: 'B', pair } : { subject: 'C', comparative: 'W', object: 'D', pair: second };
  const names: Record<'A' | 'B' | 'C' | 'D', string> = { A: a, B: b, C: c, D: d };
  const x = q.comparative === 'X' ? comparatives[0] : comparatives[1];
  const cleanSlots: Slots = { A: a, B: b, C: c, D: d, X: comparatives[0], W: comparatives[1], CONN: conn, ...conclusion(t.form, t.relation, q.pair, x, names[q.subject], names[q.object]) };
  const corruptSlots = corrupt(t.form, t.relation, q, cleanSlots, corruption);
  const [correct, incorrect] = answers(t.form, t.relation, names[q.subject], names[q.object]);
  const meta: Record<string, string> = {
    a,
    b,
    c,
    d,
    // pair and premise describe the first premise (slot X), as in the one-premise forms
    pair: pair.base.join('/'),
    premise: comparatives[0],
    pair2: second.base.join('/'),
    premise2: comparatives[1],
    conclusion: cleanSlots.Y,
    relation: t.relation,
    queried: q.subject === 'A' ? 'first' : 'second',
    connective: conn,
    corruption,
    split: itemSplit([a, b, c, d], comboKey(pair, conn, second)),
  };
  return item(t, cleanSlots, corruptSlots, correct, incorrect, meta);
}

function item(t: ComparisonTemplate, cleanSlots: Slots, corruptSlots: Slots, correct: string, incorrect: string, meta: Record<string, string>): TaskItem {
  const filled = (slots: Slots) => fillPattern(t.pattern, Object.fromEntries(Object.entries(slots).filter((e): e is [string, string] => e[1] !== undefined)));
  return {
    clean: filled(cleanSlots),
    corrupted: filled(corruptSlots),
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
  corruptions: ['flip', 'premise', 'swap'],
  sample,
};
