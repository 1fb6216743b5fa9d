/** Word-level text handling shared by the generators, the vocabulary and validation. */

/**
 * The word-level tokenization rule of the default vocabulary: special tokens
 * ("<|endoftext|>", "<unk>") whole, runs of letters/digits/apostrophes, and every other
 * non-space character on its own. "Bob, so" -> ["Bob", ",", "so"]; " Mary" -> ["Mary"].
 */
const WORD_PATTERN = /<\|endoftext\|>|<unk>|[\p{L}\p{N}']+|[^\s\p{L}\p{N}']/gu;

export function splitWords(text: string): string[] {
  return text.match(WORD_PATTERN) ?? [];
}

const SLOT = /\{(\w+)\}/g;

/** Replace every {SLOT} of a pattern; a slot missing from `slots` is a programming error. */
export function fillPattern(pattern: string, slots: Readonly<Record<string, string>>): string {
  return pattern.replace(SLOT, (_whole, name: string) => {
    const value = slots[name];
    if (value === undefined) throw new Error(`template "${pattern}": no value for slot {${name}}`);
    return value;
  });
}

/** The literal words of a pattern (its slots removed), for building the vocabulary. */
export function patternWords(pattern: string): string[] {
  return splitWords(pattern.replace(SLOT, ' '));
}

/** GPT-2 answer spelling: one leading space. */
export function answer(word: string): string {
  return ` ${word}`;
}
