/** The tokenizer module's public surface. */
export type { Tokenizer } from './types';
export { HfTokenizer } from './hfTokenizer';
export { loadTokenizer, tokenizerFromJson, parseMerges, TOKENIZER_FILES } from './load';
export {
  buildByteLevelBpeTokenizerJson,
  buildWordLevelTokenizerJson,
  splitWords,
  GPT2_EOT,
  type TokenizerJson,
  type AddedTokenJson,
  type WordLevelOptions,
} from './tokenizerJson';
export { BYTE_TO_UNICODE, UNICODE_TO_BYTE, byteLevelTokenToText, byteLevelTokenBytes } from './byteLevel';
