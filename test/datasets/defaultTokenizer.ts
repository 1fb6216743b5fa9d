/** The real word-level tokenizer (src/main/tokenizer) over the default vocabulary, built once. */
import { defaultTokenizerJson } from '../../src/main/datasets';
import { tokenizerFromJson } from '../../src/main/tokenizer';
import type { Tokenizer } from '../../src/main/tokenizer/types';

let cached: Tokenizer | undefined;

export function defaultTokenizer(): Tokenizer {
  cached ??= tokenizerFromJson(defaultTokenizerJson());
  return cached;
}
