/**
 * The word lists the generators fill templates with. Every entry is one word (one token of the
 * word-level default vocabulary; most are one GPT-2 BPE token with a leading space as well).
 * Objects after "a" start with a consonant sound so that "a"/"an" never has to change.
 */

/** 60 common first names (IOI-paper style), distinct from every other word in the vocabulary. */
export const NAMES: readonly string[] = [
  'Mary', 'John', 'Tom', 'James', 'Dan', 'Sarah', 'Kate', 'Paul', 'Mark', 'Lisa',
  'Anna', 'David', 'Michael', 'Robert', 'Richard', 'Jessica', 'Laura', 'Emma', 'Alice', 'Bob',
  'Sue', 'Jack', 'Max', 'Sam', 'Ben', 'Tim', 'Joe', 'Amy', 'Emily', 'Rachel',
  'Jane', 'Peter', 'Chris', 'Steve', 'Kevin', 'Brian', 'Eric', 'Adam', 'Ryan', 'Henry',
  'George', 'Frank', 'Mike', 'Alex', 'Nick', 'Luke', 'Grace', 'Rose', 'Lucy', 'Claire',
  'Helen', 'Julia', 'Daniel', 'Thomas', 'Matt', 'Andrew', 'Jason', 'Scott', 'Sean', 'Victoria',
];

/** Places, used after "the". */
export const PLACES: readonly string[] = [
  'store', 'park', 'school', 'office', 'garden', 'station', 'beach', 'library',
  'market', 'hospital', 'restaurant', 'house', 'cafe', 'museum', 'farm', 'church',
];

/** Things that can be given, used after "a". */
export const IOI_OBJECTS: readonly string[] = [
  'drink', 'book', 'ball', 'bone', 'cake', 'card', 'gift', 'hat', 'letter',
  'pen', 'ring', 'basket', 'bag', 'necklace', 'snack', 'toy', 'flower', 'key',
];

/** Ditransitive verbs in the past tense: "{S} {verb} a {object} to {IO}". */
export const IOI_VERBS: readonly string[] = [
  'gave', 'handed', 'passed', 'sent', 'showed', 'brought', 'threw', 'offered', 'sold', 'lent',
];

export interface AntonymPair {
  /** Base adjectives, e.g. ['tall', 'short'] (used by filler sentences). */
  base: readonly [string, string];
  /** Comparative forms, e.g. ['taller', 'shorter'] (used by the comparison task). */
  comparative: readonly [string, string];
}

/** Antonym pairs with single-word comparatives; no comparative appears in two pairs. */
export const ANTONYM_PAIRS: readonly AntonymPair[] = [
  { base: ['tall', 'short'], comparative: ['taller', 'shorter'] },
  { base: ['big', 'small'], comparative: ['bigger', 'smaller'] },
  { base: ['old', 'young'], comparative: ['older', 'younger'] },
  { base: ['fast', 'slow'], comparative: ['faster', 'slower'] },
  { base: ['heavy', 'light'], comparative: ['heavier', 'lighter'] },
  { base: ['rich', 'poor'], comparative: ['richer', 'poorer'] },
  { base: ['strong', 'weak'], comparative: ['stronger', 'weaker'] },
  { base: ['happy', 'sad'], comparative: ['happier', 'sadder'] },
  { base: ['loud', 'quiet'], comparative: ['louder', 'quieter'] },
  { base: ['warm', 'cold'], comparative: ['warmer', 'colder'] },
  { base: ['smart', 'dumb'], comparative: ['smarter', 'dumber'] },
  { base: ['nice', 'rude'], comparative: ['nicer', 'ruder'] },
  { base: ['clean', 'dirty'], comparative: ['cleaner', 'dirtier'] },
  { base: ['calm', 'angry'], comparative: ['calmer', 'angrier'] },
];

/** Single-word connectives between the premise and the conclusion of a comparison. */
export const CONNECTIVES: readonly string[] = ['so', 'therefore', 'thus', 'hence'];

/** Transitive verbs for the latest-subject task: past tense and base form. */
export const LATEST_VERBS: readonly { past: string; base: string }[] = [
  { past: 'opened', base: 'open' },
  { past: 'closed', base: 'close' },
  { past: 'painted', base: 'paint' },
  { past: 'cleaned', base: 'clean' },
  { past: 'washed', base: 'wash' },
  { past: 'fixed', base: 'fix' },
  { past: 'moved', base: 'move' },
  { past: 'locked', base: 'lock' },
  { past: 'checked', base: 'check' },
  { past: 'touched', base: 'touch' },
  { past: 'pushed', base: 'push' },
  { past: 'pulled', base: 'pull' },
];

/** Things the latest-subject verbs act on, used after "the". */
export const LATEST_OBJECTS: readonly string[] = [
  'door', 'window', 'box', 'car', 'table', 'chair', 'gate', 'bottle',
  'drawer', 'fence', 'bike', 'lamp', 'desk', 'cup',
];

/** Extra nouns used only by filler sentences. */
export const ANIMALS: readonly string[] = ['dog', 'cat', 'bird', 'horse', 'fish', 'cow', 'sheep', 'duck'];
