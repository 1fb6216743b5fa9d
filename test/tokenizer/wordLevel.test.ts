import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokenizer, tokenizerFromJson } from '../../src/main/tokenizer/load';
import { buildWordLevelTokenizerJson } from '../../src/main/tokenizer/tokenizerJson';
import { fixtureWords, makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';

afterAll(removeTmpDirs);

const WORDS = ['[UNK]', '[BOS]', 'When', 'Mary', 'and', 'John', 'went', 'to', 'the', 'store', ',', 'gave', 'a', 'drink', '.', 'Bob', 'so', "'", 's'];
const json = buildWordLevelTokenizerJson(WORDS, { unkToken: '[UNK]', bosToken: '[BOS]' });
const tok = tokenizerFromJson(json);
const id = (w: string): number => WORDS.indexOf(w);

describe('word-level tokenizer', () => {
  it('is a standard tokenizer.json with a WordLevel model', () => {
    expect(json.model).toMatchObject({ type: 'WordLevel', unk_token: '[UNK]' });
    expect(json.pre_tokenizer).toEqual({ type: 'BertPreTokenizer' });
    expect(json.decoder).toBeNull();
    expect(json.added_tokens.map((t) => [t.id, t.content, t.special])).toEqual([[0, '[UNK]', true], [1, '[BOS]', true]]);
    expect(tok.kind).toBe('word');
    expect(tok.vocabSize).toBe(WORDS.length);
    expect(tok.unkId).toBe(0);
    expect(tok.bosId).toBe(1);
  });

  it('splits words and punctuation', () => {
    expect(tok.tokenStrings(tok.encode('Bob, so'))).toEqual(['Bob', ',', 'so']);
    expect(tok.encode("Mary's drink.")).toEqual([id('Mary'), id("'"), id('s'), id('drink'), id('.')]);
  });

  it('encodes an answer with a leading space to the single word token', () => {
    expect(tok.encode(' Mary')).toEqual([id('Mary')]);
    expect(tok.encode('  John ')).toEqual([id('John')]);
  });

  it('maps unknown words to the unknown token', () => {
    expect(tok.encode('Mary gave Zed a drink')).toEqual([id('Mary'), id('gave'), 0, id('a'), id('drink')]);
    expect(tok.encode('[BOS] Mary')).toEqual([1, id('Mary')]);
  });

  it('decodes by joining words with spaces, punctuation attached', () => {
    const text = 'When Mary and John went to the store, John gave a drink to Mary.';
    const ids = tok.encode(text);
    expect(ids.length).toBe(16);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.decode([id('Mary'), id('and'), id('John')])).toBe('Mary and John');
    expect(tok.tokenStrings(ids).join(' ')).toBe('When Mary and John went to the store , John gave a drink to Mary .');
  });

  it('loads the same from a tokenizer.json file', async () => {
    const dir = await makeTmpDir();
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(json));
    const loaded = await loadTokenizer(dir);
    expect(loaded.kind).toBe('word');
    expect([loaded.bosId, loaded.unkId]).toEqual([1, 0]);
    const text = 'Bob, so Mary went to the store.';
    expect(loaded.encode(text)).toEqual(tok.encode(text));
  });

  it('refuses words it could never produce, duplicates and absent special tokens', () => {
    expect(() => buildWordLevelTokenizerJson(['[UNK]', "don't"], { unkToken: '[UNK]' })).toThrow(/word "don't" \(id 1\) is split by the pre-tokenizer into \["don","'","t"\]/);
    expect(() => buildWordLevelTokenizerJson(['[UNK]', 'a', 'a'], { unkToken: '[UNK]' })).toThrow(/word "a" appears twice \(ids 1 and 2\)/);
    expect(() => buildWordLevelTokenizerJson(['a'], { unkToken: '[UNK]' })).toThrow(/special token "\[UNK\]" is not one of the words/);
  });

  it("the fixture vocabulary has exactly vocab_size tokens, all reachable", () => {
    for (const n of [2, 10, 64, 300]) {
      const words = fixtureWords(n);
      expect(new Set(words).size).toBe(n);
    }
    const t = tokenizerFromJson(buildWordLevelTokenizerJson(fixtureWords(64), { unkToken: '<unk>', bosToken: '<|endoftext|>' }));
    for (let i = 0; i < 64; i++) expect(t.encode(t.idToToken(i)!)).toEqual([i]);
  });
});
