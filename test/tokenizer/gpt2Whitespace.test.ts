/**
 * GPT-2 tokenization equals the original algorithm (openai/gpt-2 encoder.py) on whitespace and
 * control characters. encoder.py splits text with Python's `regex` module, whose \s is Unicode
 * White_Space; JavaScript's \s differs (it adds U+FEFF and lacks U+0085). The reference below is
 * written from the published algorithm, independent of the code under test: the pre-tokenizer
 * pattern with White_Space spelled out from Unicode's PropList.txt, then byte-level BPE by merge rank.
 */
import { describe, expect, it } from 'vitest';
import { tokenizerFromJson } from '../../src/main/tokenizer/load';

// Unicode White_Space (PropList.txt): what \s means to Python's `regex` module on str patterns.
const WS = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
// encoder.py: r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
const GPT2_PATTERN = new RegExp(`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`, 'gu');

/** encoder.py's bytes_to_unicode. */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const out = new Array<string>(256);
  bs.forEach((b) => (out[b] = String.fromCharCode(b)));
  let n = 0;
  for (let b = 0; b < 256; b++) if (out[b] === undefined) out[b] = String.fromCharCode(256 + n++);
  return out;
}
const U = bytesToUnicode();
const bytesOf = (s: string): string => [...new TextEncoder().encode(s)].map((b) => U[b]).join('');

// Merges that make whitespace and control characters matter: a space joined to the first byte
// of U+FEFF, U+0085, U+00A0, U+3000, U+2000..; runs of spaces and newlines; a few words.
const MERGE_PAIRS: [string, string][] = [
  [U[0x20], U[0x20]],
  [U[0x20], bytesOf('\ufeff')[0]],
  [bytesOf('\ufeff')[0], bytesOf('\ufeff')[1]],
  [U[0x20], U[0xc2]],
  [U[0xc2], U[0x85]],
  [U[0xc2], U[0xa0]],
  [U[0x20], U[0xe3]],
  [U[0xe2], U[0x80]],
  [U[0x20], U[0xe2]],
  [U[0x0a], U[0x0a]],
  [U[0x20], U[0x1c]],
  [U[0x1f], U[0x20]],
  [U[0x20], 'w'],
  ['o', 'r'],
  [`${U[0x20]}w`, 'or'],
  ['l', 'd'],
  [`${U[0x20]}wor`, 'ld'],
  ['h', 'e'],
  [U[0x20], 't'],
  [`${U[0x20]}t`, 'he'],
  ["'", 's'],
  [U[0x20], 'a'],
  [U[0x20], '1'],
];

function vocab(): Record<string, number> {
  const v: Record<string, number> = {};
  U.forEach((c, b) => (v[c] = b));
  MERGE_PAIRS.forEach(([a, b], i) => (v[a + b] ??= 256 + i));
  return v;
}
const VOCAB = vocab();
const RANKS = new Map(MERGE_PAIRS.map(([a, b], i) => [`${a} ${b}`, i]));

/** encoder.py's bpe(): merge the lowest-ranked adjacent pair everywhere, until none is known. */
function referenceBpe(token: string): string[] {
  let word = [...token];
  for (;;) {
    let best: [string, string] | undefined;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < word.length; i++) {
      const r = RANKS.get(`${word[i]} ${word[i + 1]}`);
      if (r !== undefined && r < bestRank) [best, bestRank] = [[word[i], word[i + 1]], r];
    }
    if (!best) return word;
    const merged: string[] = [];
    for (let i = 0; i < word.length; ) {
      if (i + 1 < word.length && word[i] === best[0] && word[i + 1] === best[1]) {
        merged.push(best[0] + best[1]);
        i += 2;
      } else merged.push(word[i++]);
    }
    word = merged;
  }
}

const referencePieces = (text: string): string[] => text.match(GPT2_PATTERN) ?? [];
const referenceEncode = (text: string): number[] => referencePieces(text).flatMap((p) => referenceBpe(bytesOf(p)).map((t) => VOCAB[t]));

function tokenizerJson(): object {
  return {
    version: '1.0',
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab: VOCAB, merges: MERGE_PAIRS.map(([a, b]) => `${a} ${b}`) },
  };
}

// Every White_Space character, the characters JS and Python disagree on, controls, and ordinary text.
const ALPHABET = [
  ...'\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2005\u200a\u2028\u2029\u202f\u205f\u3000',
  ...'\ufeff\u200b\u180e\x1c\x1d\x1e\x1f\x00\x7f\x08',
  ...'worldhetas1', "'s", "'ll", ' the', ' world', '.', '!', 'é', '中', '😀', '  ', '\n\n',
];

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fuzzCorpus(count: number, seed: number): string[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(rand() * 12) }, () => ALPHABET[Math.floor(rand() * ALPHABET.length)]).join(''));
}

describe('GPT-2 pre-tokenization on whitespace and control characters', () => {
  const tokenizer = tokenizerFromJson(tokenizerJson());

  it('the reference splits the issue cases as GPT-2 does (its ids 15496 | 27332 119 123 | 6894 and 64 | 220 | 126 227 | 65)', () => {
    expect(referencePieces('Hello \ufeffworld')).toEqual(['Hello', ' \ufeff', 'world']);
    expect(referencePieces('a \x85b')).toEqual(['a', ' ', '\x85', 'b']);
  });

  it.each([
    ['Hello \ufeffworld'],
    ['a \x85b'],
    ['a \x1cb'],
    ['x \u3000 y'],
    ['end  \n\n'],
  ])('%j encodes as the reference does', (text) => {
    expect(tokenizer.encode(text)).toEqual(referenceEncode(text));
  });

  it('2000 fuzzed strings rich in Unicode whitespace encode as the reference and decode back', () => {
    const mismatches = fuzzCorpus(2000, 11)
      .map((text) => ({ text, got: tokenizer.encode(text), want: referenceEncode(text) }))
      .filter(({ got, want }) => JSON.stringify(got) !== JSON.stringify(want));
    expect(mismatches.slice(0, 5)).toEqual([]);
    for (const text of fuzzCorpus(200, 12)) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });
});
