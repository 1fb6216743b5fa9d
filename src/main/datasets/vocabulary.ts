/** The word-level vocabulary of the project's default model. */
import { GENERATORS } from './generate';
import { FILLER_PATTERNS } from './filler';
import { patternWords } from './text';
import { buildWordLevelTokenizerJson, type TokenizerJson } from '../tokenizer/tokenizerJson';
import {
  ANIMALS,
  ANTONYM_PAIRS,
  CONNECTIVES,
  IOI_OBJECTS,
  IOI_VERBS,
  LATEST_OBJECTS,
  LATEST_VERBS,
  NAMES,
  PLACES,
} from './words';

/** Separates documents in the corpus and starts every prompt (GPT-2's BOS/EOS token). */
export const END_OF_TEXT = '<|endoftext|>';
/** Stands for any word outside the vocabulary. */
export const UNKNOWN = '<unk>';

/**
 * Every word the generators and the filler sentences can emit, plus END_OF_TEXT (id 0),
 * UNKNOWN (id 1), "," and "." — deduplicated, in a stable order (specials, punctuation,
 * template words in template order, then the word lists in their listed order).
 */
export function defaultVocabulary(): string[] {
  const words: string[] = [END_OF_TEXT, UNKNOWN, ',', '.'];
  for (const generator of Object.values(GENERATORS)) {
    for (const t of generator.templates) words.push(...patternWords(t.pattern));
  }
  for (const pattern of FILLER_PATTERNS) words.push(...patternWords(pattern));
  words.push(
    ...NAMES,
    ...PLACES,
    ...IOI_OBJECTS,
    ...IOI_VERBS,
    ...ANTONYM_PAIRS.flatMap((p) => [...p.comparative]),
    ...ANTONYM_PAIRS.flatMap((p) => [...p.base]),
    ...CONNECTIVES,
    ...LATEST_VERBS.flatMap((v) => [v.past, v.base]),
    ...LATEST_OBJECTS,
    ...ANIMALS,
  );
  return [...new Set(words)];
}

/** The Hugging Face tokenizer.json of the default vocabulary (word-level, ids in vocabulary order). */
export function defaultTokenizerJson(): TokenizerJson {
  return buildWordLevelTokenizerJson(defaultVocabulary(), { unkToken: UNKNOWN, bosToken: END_OF_TEXT });
}
