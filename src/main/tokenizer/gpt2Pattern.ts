/**
 * GPT-2's pre-tokenizer pattern as the original tokenizer reads it. encoder.py compiles it with
 * Python's `regex` module, whose \s is Unicode White_Space; JavaScript's \s is not (it adds
 * U+FEFF and lacks U+0085), so the library's copy splits 'Hello \ufeffworld' differently.
 */
export const GPT2_PRETOKENIZE_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

interface ByteLevelLike {
  pattern: RegExp;
  use_regex: boolean;
  byte_encoder: unknown;
}

const isByteLevel = (x: object): x is ByteLevelLike => 'byte_encoder' in x && 'use_regex' in x && (x as ByteLevelLike).pattern instanceof RegExp;

/**
 * Give every byte-level pre-tokenizer inside the library's pre-tokenizer (alone or in a Sequence)
 * the pattern above. Returns how many it replaced.
 */
export function useGpt2Pattern(preTokenizer: unknown): number {
  // The library's pre-tokenizers are callable objects (functions), so accept both.
  if ((typeof preTokenizer !== 'object' && typeof preTokenizer !== 'function') || preTokenizer === null) return 0;
  if (isByteLevel(preTokenizer)) {
    preTokenizer.pattern = GPT2_PRETOKENIZE_PATTERN;
    return 1;
  }
  const inner = (preTokenizer as { tokenizers?: unknown }).tokenizers;
  return Array.isArray(inner) ? inner.reduce((n: number, t) => n + useGpt2Pattern(t), 0) : 0;
}

/** Does a tokenizer.json pre_tokenizer (or one inside its Sequence) split with the byte-level regex? */
export function declaresByteLevelRegex(config: unknown): boolean {
  if (typeof config !== 'object' || config === null) return false;
  const c = config as { type?: unknown; use_regex?: unknown; pretokenizers?: unknown };
  if (c.type === 'ByteLevel') return c.use_regex !== false;
  return Array.isArray(c.pretokenizers) && c.pretokenizers.some(declaresByteLevelRegex);
}
