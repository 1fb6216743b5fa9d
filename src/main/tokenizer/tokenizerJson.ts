/**
 * Standard Hugging Face tokenizer.json objects built in memory: GPT-2's byte-level BPE from
 * vocab.json + merges.txt, and word-level vocabularies for toy models and task datasets.
 */

/** The tokenizer.json shape this module writes (the subset of the HF format it uses). */
export interface TokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: AddedTokenJson[];
  normalizer: null;
  pre_tokenizer: Record<string, unknown>;
  post_processor: Record<string, unknown> | null;
  decoder: Record<string, unknown> | null;
  model: Record<string, unknown>;
}

export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

function specialToken(id: number, content: string): AddedTokenJson {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** GPT-2's end-of-text token, also its beginning-of-sequence token. */
export const GPT2_EOT = '<|endoftext|>';

/**
 * The tokenizer.json GPT-2 ships, from the contents of vocab.json and merges.txt
 * (merges: one "left right" pair per entry, in priority order).
 */
export function buildByteLevelBpeTokenizerJson(vocab: Record<string, number>, merges: string[]): TokenizerJson {
  const addedTokens = vocab[GPT2_EOT] === undefined ? [] : [specialToken(vocab[GPT2_EOT], GPT2_EOT)];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

/**
 * BertPreTokenizer's split: runs of non-space, non-punctuation characters, and each punctuation
 * character alone ("Bob, so" -> Bob | , | so). Mirrors the pre-tokenizer the word-level JSON names.
 */
const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const WORD_SPLIT = new RegExp(`[^\\s${PUNCT}]+|[${PUNCT}]`, 'gu');

export function splitWords(text: string): string[] {
  return text.match(WORD_SPLIT) ?? [];
}

export interface WordLevelOptions {
  /** The token unknown words map to; must be one of the words. */
  unkToken: string;
  /** A beginning-of-sequence token; must be one of the words. */
  bosToken?: string;
}

/**
 * A word-level tokenizer.json: token id = index in `words`. The pre-tokenizer splits words and
 * punctuation and drops whitespace, so " Mary" is the one token "Mary"; with no decoder, decoding
 * joins tokens with spaces. Special tokens are added tokens, so they match verbatim in text.
 */
export function buildWordLevelTokenizerJson(words: string[], opts: WordLevelOptions): TokenizerJson {
  const vocab: Record<string, number> = {};
  const special = new Set([opts.unkToken, ...(opts.bosToken === undefined ? [] : [opts.bosToken])]);
  words.forEach((word, id) => {
    if (Object.hasOwn(vocab, word)) throw new Error(`buildWordLevelTokenizerJson: word "${word}" appears twice (ids ${vocab[word]} and ${id})`);
    if (!special.has(word)) {
      const parts = splitWords(word);
      if (parts.length !== 1 || parts[0] !== word) {
        throw new Error(`buildWordLevelTokenizerJson: word ${JSON.stringify(word)} (id ${id}) is split by the pre-tokenizer into ${JSON.stringify(parts)}, so it could never be produced`);
      }
    }
    vocab[word] = id;
  });
  for (const token of special) {
    if (!Object.hasOwn(vocab, token)) throw new Error(`buildWordLevelTokenizerJson: special token "${token}" is not one of the words`);
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...special].map((t) => specialToken(vocab[t], t)).sort((a, b) => a.id - b.id),
    normalizer: null,
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: opts.unkToken },
  };
}
