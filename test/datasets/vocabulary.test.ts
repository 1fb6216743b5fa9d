import { describe, expect, it } from 'vitest';
import {
  CORRUPTIONS,
  END_OF_TEXT,
  TASK_NAMES,
  UNKNOWN,
  defaultVocabulary,
  fillerSentences,
  generate,
  templateIds,
  unknownWords,
} from '../../src/main/datasets';
import { NAMES } from '../../src/main/datasets/words';
import { splitWords } from '../../src/main/tokenizer';
import { defaultTokenizer } from './defaultTokenizer';

describe('defaultVocabulary', () => {
  const vocab = defaultVocabulary();

  it('is deduplicated, stable, modest and holds the special and punctuation tokens', () => {
    expect(new Set(vocab).size).toBe(vocab.length);
    expect(defaultVocabulary()).toEqual(vocab);
    expect(vocab.slice(0, 4)).toEqual([END_OF_TEXT, UNKNOWN, ',', '.']);
    expect(vocab.length).toBeGreaterThan(150);
    expect(vocab.length).toBeLessThan(500);
    expect(NAMES.length).toBeGreaterThanOrEqual(40);
    expect(NAMES.length).toBeLessThanOrEqual(80);
  });

  it('is exactly the words the generators and filler sentences emit, plus the special tokens', () => {
    const emitted = new Set<string>();
    for (const task of TASK_NAMES) {
      for (const corruption of CORRUPTIONS[task]) {
        for (const item of generate(task, { n: 3000, seed: 1, corruption, templates: templateIds(task) })) {
          for (const text of [item.clean, item.corrupted, item.correct, item.incorrect]) {
            for (const w of splitWords(text)) emitted.add(w);
          }
        }
      }
    }
    for (const sentence of fillerSentences(1, 5000)) for (const w of splitWords(sentence)) emitted.add(w);
    const missing = [...emitted].filter((w) => !vocab.includes(w));
    expect(missing).toEqual([]);
    const unused = vocab.filter((w) => !emitted.has(w) && w !== END_OF_TEXT && w !== UNKNOWN);
    expect(unused).toEqual([]);
  });

  it('maps every word to its own single token in the real word-level tokenizer', () => {
    const tokenizer = defaultTokenizer();
    expect(tokenizer.kind).toBe('word');
    expect(tokenizer.vocabSize).toBe(vocab.length);
    expect(tokenizer.unkId).toBe(1);
    expect(tokenizer.bosId).toBe(0);
    vocab.slice(2).forEach((word, k) => expect(tokenizer.encode(word)).toEqual([k + 2]));
    // Word-level tokenization splits punctuation and drops spaces; answers are one word.
    expect(tokenizer.tokenStrings(tokenizer.encode('Alice is taller than Bob, so Bob is shorter than'))).toEqual(
      ['Alice', 'is', 'taller', 'than', 'Bob', ',', 'so', 'Bob', 'is', 'shorter', 'than'],
    );
    expect(tokenizer.encode(' Mary')).toEqual([vocab.indexOf('Mary')]);
  });
});

describe('fillerSentences', () => {
  it('is deterministic per seed, differs across seeds, and stays inside the vocabulary', () => {
    const a = fillerSentences(3, 300);
    expect(fillerSentences(3, 300)).toEqual(a);
    const b = fillerSentences(4, 300);
    expect(b.filter((s, i) => s === a[i]).length).toBeLessThan(30);
    const tokenizer = defaultTokenizer();
    for (const sentence of a) {
      expect(sentence).toMatch(/^[A-Z][A-Za-z ]*\.$/);
      expect(unknownWords(sentence, tokenizer)).toEqual([]);
    }
    expect(new Set(a).size).toBeGreaterThan(250);
  });

  it('rejects a bad count', () => {
    expect(() => fillerSentences(1, -2)).toThrow(/"n" must be a non-negative integer, got -2/);
    expect(fillerSentences(1, 0)).toEqual([]);
  });
});
