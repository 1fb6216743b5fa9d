import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, tokenizerFromJson } from '../../src/main/tokenizer/load';
import type { Tokenizer } from '../../src/main/tokenizer/types';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';

afterAll(removeTmpDirs);

/**
 * GPT-2's bytes_to_unicode, written out here from the reference Python (not imported from the code
 * under test): printable Latin-1 bytes stand for themselves, the rest map to 256 + n in byte order.
 */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = '!'.charCodeAt(0); b <= '~'.charCodeAt(0); b++) bs.push(b);
  for (let b = '¡'.charCodeAt(0); b <= '¬'.charCodeAt(0); b++) bs.push(b);
  for (let b = '®'.charCodeAt(0); b <= 'ÿ'.charCodeAt(0); b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out = new Array<string>(256);
  bs.forEach((b, i) => (out[b] = String.fromCharCode(cs[i])));
  return out;
}

const U = bytesToUnicode();
// Byte tokens get id = byte value, so expected ids are readable by hand. Merges in priority order.
const MERGES: [string, string, number][] = [
  ['h', 'e', 256],
  ['l', 'l', 257],
  [`${U[32]}`, 't', 258], // Ġ t
  [`${U[32]}t`, 'he', 259], // Ġt he -> Ġthe
  ['he', 'll', 260],
  ['hell', 'o', 261],
  [`${U[32]}`, 'w', 262],
  ['o', 'r', 263],
];
const EOT_ID = 264;

function vocabJson(): Record<string, number> {
  const vocab: Record<string, number> = {};
  U.forEach((c, b) => (vocab[c] = b));
  for (const [a, b, id] of MERGES) vocab[a + b] = id;
  vocab['<|endoftext|>'] = EOT_ID;
  return vocab;
}

/** GPT-2's tokenizer.json layout, written by hand as the hub ships it. */
function gpt2TokenizerJson(): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: EOT_ID, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab: vocabJson(), merges: MERGES.map(([a, b]) => `${a} ${b}`) },
  };
}

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];

let fromFiles: Tokenizer;
let fromJson: Tokenizer;

beforeAll(async () => {
  const filesDir = await makeTmpDir();
  await writeFile(join(filesDir, 'vocab.json'), JSON.stringify(vocabJson()));
  await writeFile(join(filesDir, 'merges.txt'), `#version: 0.2\n${MERGES.map(([a, b]) => `${a} ${b}`).join('\n')}\n`);
  fromFiles = await loadTokenizer(filesDir);
  const jsonDir = await makeTmpDir();
  await writeFile(join(jsonDir, 'tokenizer.json'), JSON.stringify(gpt2TokenizerJson()));
  fromJson = await loadTokenizer(jsonDir);
});

describe('byte-level BPE from vocab.json + merges.txt', () => {
  it('describes itself', () => {
    expect(fromFiles.kind).toBe('bpe');
    expect(fromFiles.vocabSize).toBe(265);
    expect(fromFiles.bosId).toBe(EOT_ID);
    expect(fromFiles.unkId).toBeUndefined();
    expect(fromFiles.tokenToId(`${U[32]}the`)).toBe(259);
    expect(fromFiles.idToToken(259)).toBe('Ġthe');
    expect(fromFiles.idToToken(99999)).toBeUndefined();
  });

  it.each([
    // hello: h e l l o -> he l l o -> he ll o -> hell o -> hello
    ['hello', [261]],
    // " the": Ġ t h e -> Ġ t he -> Ġt he -> Ġthe; " world": Ġw or l d
    ['hello the world', [261, 259, 262, 263, 108, 100]],
    // a space before hello stays its own token (no "Ġ hello" merge)
    [' hello', [32, 261]],
    ['shell', [115, 260]],
    // é is two bytes that no merge touches; ll still merges
    ['héllo', [104, 195, 169, 257, 111]],
    // contractions and newlines split as GPT-2's regex says
    ["it's\nok", [105, 116, 39, 115, 10, 111, 107]],
    ['<|endoftext|>hello', [EOT_ID, 261]],
    ['', []],
  ])('encodes %j to the ids derived by hand', (text, ids) => {
    expect(fromFiles.encode(text)).toEqual(ids);
  });

  it('encodes unmerged unicode to its UTF-8 bytes', () => {
    for (const text of ['日本語', '🙂', 'naïve café', 'Ωmega']) expect(fromFiles.encode(text)).toEqual(utf8(text));
  });

  it('decodes exactly what it encoded', () => {
    for (const text of ['hello the world', ' leading and trailing ', 'a , b . c !', "don't  double  space", '日本語 🙂 naïve', 'tab\tand\nnewline', '<|endoftext|>hello']) {
      expect(fromFiles.decode(fromFiles.encode(text))).toBe(text);
    }
    expect(fromFiles.decode([])).toBe('');
    expect(() => fromFiles.decode([265])).toThrow(/token id 265 is outside the vocabulary \(0\.\.264\)/);
  });

  it('labels tokens readably', () => {
    expect(fromFiles.tokenStrings([259, 261, 32, 10])).toEqual([' the', 'hello', ' ', '\n']);
    // Half of a two-byte character cannot be shown as text: its byte is escaped instead.
    expect(fromFiles.tokenStrings([195, 169])).toEqual(['\\xc3', '\\xa9']);
    expect(fromFiles.tokenStrings([EOT_ID])).toEqual(['<|endoftext|>']);
  });
});

describe('tokenizer.json and vocab.json + merges.txt agree', () => {
  it('on ids, decoding, labels and special tokens', () => {
    expect(fromJson.kind).toBe('bpe');
    expect(fromJson.vocabSize).toBe(fromFiles.vocabSize);
    expect(fromJson.bosId).toBe(fromFiles.bosId);
    for (const text of ['hello the world', ' hello', 'héllo wörld', "it's\nok", '日本語 🙂', 'or the whole world<|endoftext|>']) {
      const ids = fromJson.encode(text);
      expect(ids).toEqual(fromFiles.encode(text));
      expect(fromJson.decode(ids)).toBe(text);
      expect(fromJson.tokenStrings(ids)).toEqual(fromFiles.tokenStrings(ids));
    }
  });

  it('tokenizerFromJson builds the same tokenizer without touching disk', () => {
    const t = tokenizerFromJson(gpt2TokenizerJson());
    expect(t.encode('hello the world')).toEqual([261, 259, 262, 263, 108, 100]);
  });
});

describe('tokenizer file errors', () => {
  it('a merges.txt line that is not a pair names the file and line', async () => {
    const dir = await makeTmpDir();
    await writeFile(join(dir, 'vocab.json'), JSON.stringify(vocabJson()));
    await writeFile(join(dir, 'merges.txt'), '#version: 0.2\nh e\nl l l\n');
    await expect(loadTokenizer(dir)).rejects.toThrow(`${join(dir, 'merges.txt')}: line 3: expected two tokens separated by one space, got "l l l"`);
  });

  it('a tokenizer.json that is not JSON, or of an unsupported model type', async () => {
    const dir = await makeTmpDir();
    const file = join(dir, 'tokenizer.json');
    await writeFile(file, '{"model": ');
    await expect(loadTokenizer(dir)).rejects.toThrow(new RegExp(`^${file}: not valid JSON`));
    await writeFile(file, JSON.stringify({ ...gpt2TokenizerJson(), model: { type: 'Unigram', vocab: [] } }));
    await expect(loadTokenizer(dir)).rejects.toThrow(`${file}: not a usable tokenizer (tokenizer model type "Unigram" is not supported (BPE or WordLevel))`);
  });

  it('tokenizer_config.json chooses the BOS token', async () => {
    const dir = await makeTmpDir();
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(gpt2TokenizerJson()));
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: { __type: 'AddedToken', content: 'hello' } }));
    expect((await loadTokenizer(dir)).bosId).toBe(261);
  });
});
