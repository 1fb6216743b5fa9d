/** Word-level text handling shared by the generators, the vocabulary and validation. */
import { splitWords } from '../tokenizer/tokenizerJson';

/**
 * Words as the default model's word-level tokenizer splits them (its BertPreTokenizer rule:
 * runs of non-space, non-punctuation characters, each punctuation character alone):
 * "Bob, so" -> ["Bob", ",", "so"]; " Mary" -> ["Mary"].
 */
export { splitWords };

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
