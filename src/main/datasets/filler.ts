/** Simple grammatical filler sentences over the default vocabulary, for the training corpus mix. */
import { Rng } from './random';
import { fillPattern } from './text';
import { ANIMALS, ANTONYM_PAIRS, IOI_OBJECTS, LATEST_OBJECTS, LATEST_VERBS, NAMES, PLACES } from './words';

/** Slots: NAME, NAME2 (distinct names), PLACE, OBJECT (after "a"), ANIMAL, ADJ (base adjective), THING_ADJ, VERBED/VERB, THING. */
export const FILLER_PATTERNS: readonly string[] = [
  '{NAME} went to the {PLACE}.',
  '{NAME} has a {OBJECT}.',
  '{NAME} likes the {ANIMAL}.',
  'The {ANIMAL} is very {ADJ}.',
  '{NAME} is {ADJ}.',
  '{NAME} {VERBED} the {THING}.',
  '{NAME} and {NAME2} are friends.',
  'The {OBJECT} is in the {PLACE}.',
  '{NAME} saw a {ANIMAL} at the {PLACE}.',
  'It was a nice day at the {PLACE}.',
  '{NAME} wanted to {VERB} the {THING}.',
  '{NAME} gave the {ANIMAL} a {OBJECT}.',
  'The {THING} was {THING_ADJ}.',
  '{NAME} and {NAME2} went home.',
];

/** Adjectives that suit a thing ("The door was dirty."). */
const THING_ADJECTIVES: readonly string[] = ['big', 'small', 'old', 'heavy', 'light', 'warm', 'cold', 'clean', 'dirty'];

const BASE_ADJECTIVES: readonly string[] = ANTONYM_PAIRS.flatMap((p) => [...p.base]);

/** `n` filler sentences, the same for the same seed. */
export function fillerSentences(seed: number, n: number): string[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`fillerSentences: "n" must be a non-negative integer, got ${n}`);
  const rng = new Rng(seed);
  const sentences: string[] = [];
  for (let i = 0; i < n; i++) {
    const [name, name2] = rng.pickDistinct(NAMES, 2);
    const verb = rng.pick(LATEST_VERBS);
    sentences.push(
      fillPattern(rng.pick(FILLER_PATTERNS), {
        NAME: name,
        NAME2: name2,
        PLACE: rng.pick(PLACES),
        OBJECT: rng.pick(IOI_OBJECTS),
        ANIMAL: rng.pick(ANIMALS),
        ADJ: rng.pick(BASE_ADJECTIVES),
        THING_ADJ: rng.pick(THING_ADJECTIVES),
        VERBED: verb.past,
        VERB: verb.base,
        THING: rng.pick(LATEST_OBJECTS),
      }),
    );
  }
  return sentences;
}
