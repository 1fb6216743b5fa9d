import { describe, expect, it } from 'vitest';
import { generate, parseCsv, toCsv, validateDataset, type TaskItem } from '../../src/main/datasets';
import { BYTE_TO_UNICODE, buildByteLevelBpeTokenizerJson, tokenizerFromJson } from '../../src/main/tokenizer';
import { defaultTokenizer } from './defaultTokenizer';

const GOOD: TaskItem = {
  clean: 'When Mary and John went to the store, John gave a drink to',
  corrupted: 'When Mary and John went to the store, Mary gave a drink to',
  correct: ' Mary',
  incorrect: ' John',
  template: 'ioi/when-went/ABBA',
  task: 'ioi',
};

const word = defaultTokenizer();

function messages(items: TaskItem[], options = {}) {
  return validateDataset(items, word, options).map((e) => e.message);
}

describe('validateDataset (word-level tokenizer)', () => {
  it('accepts a good item', () => {
    expect(validateDataset([GOOD], word)).toEqual([]);
  });

  it('names empty fields', () => {
    const errors = validateDataset([GOOD, { ...GOOD, clean: '', correct: '  ', template: '' }], word);
    expect(errors.map((e) => [e.row, e.field, e.problem])).toEqual([
      [2, 'clean', 'empty'],
      [2, 'correct', 'empty'],
      [2, 'template', 'empty'],
    ]);
    expect(errors[0].message).toBe('row 2, field "clean": is empty');
  });

  it('names an incorrect answer equal to the correct one', () => {
    expect(messages([{ ...GOOD, incorrect: ' Mary' }])).toEqual([
      'row 1, field "incorrect": is the same as the correct answer (" Mary")',
    ]);
  });

  it('names an answer that is not a single token, with its token count and tokens', () => {
    const errors = validateDataset([{ ...GOOD, correct: ' Mary John', incorrect: ' John,' }], word);
    expect(errors.map((e) => [e.field, e.problem])).toEqual([
      ['correct', 'answer-not-single-token'],
      ['incorrect', 'answer-not-single-token'],
    ]);
    expect(errors[0].message).toBe('row 1, field "correct": answer " Mary John" is 2 tokens ("Mary", "John"), expected 1');
    expect(errors[1].message).toBe('row 1, field "incorrect": answer " John," is 2 tokens ("John", ","), expected 1');
  });

  it('names clean and corrupted prompts of different token lengths, with both lengths', () => {
    const errors = validateDataset([GOOD, GOOD, { ...GOOD, corrupted: `${GOOD.corrupted} the` }], word);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ row: 3, field: 'corrupted', problem: 'length-mismatch' });
    expect(errors[0].message).toBe(
      "row 3, field \"corrupted\": clean and corrupted token lengths differ: clean 14 tokens, corrupted 15",
    );
  });

  it('names each word the tokenizer does not know, in every text field', () => {
    const item = { ...GOOD, clean: GOOD.clean.replace('store', 'Zorblax'), correct: ' Maryanne' };
    const errors = validateDataset([item], word);
    expect(errors.map((e) => e.message)).toEqual([
      'row 1, field "clean": word "Zorblax" is not in the tokenizer\'s vocabulary (it maps to the unknown token)',
      'row 1, field "correct": word "Maryanne" is not in the tokenizer\'s vocabulary (it maps to the unknown token)',
    ]);
    // Several unknown words in one field are each named once.
    const twice = validateDataset([{ ...GOOD, corrupted: 'When Qux and Qux went to the store, Mary gave a Blorp to' }], word);
    expect(twice.map((e) => e.message)).toEqual([
      'row 1, field "corrupted": word "Qux" is not in the tokenizer\'s vocabulary (it maps to the unknown token)',
      'row 1, field "corrupted": word "Blorp" is not in the tokenizer\'s vocabulary (it maps to the unknown token)',
    ]);
  });

  it('numbers rows from firstRow (2 for a CSV whose header is row 1)', () => {
    const items = parseCsv(toCsv([GOOD, { ...GOOD, incorrect: GOOD.correct }]));
    expect(messages(items, { firstRow: 2 })).toEqual([
      'row 3, field "incorrect": is the same as the correct answer (" Mary")',
    ]);
  });

  it('catches a broken item hidden in a generated dataset', () => {
    const items = generate('latest', { n: 50, seed: 1 });
    items[36] = { ...items[36], corrupted: items[36].corrupted.replace(', then', ' then') };
    const errors = validateDataset(items, word);
    expect(errors.map((e) => [e.row, e.field, e.problem])).toEqual([[37, 'corrupted', 'length-mismatch']]);
  });
});

describe('validateDataset (byte-level BPE tokenizer)', () => {
  // A tiny GPT-2-style BPE: the 256 byte tokens plus merges that make " Mary" and " John" single tokens.
  const vocab: Record<string, number> = {};
  BYTE_TO_UNICODE.forEach((ch, i) => (vocab[ch] = i));
  const merges = ['Ġ M', 'ĠM a', 'ĠMa r', 'ĠMar y', 'Ġ J', 'ĠJ o', 'ĠJo h', 'ĠJoh n'];
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  const bpe = tokenizerFromJson(buildByteLevelBpeTokenizerJson(vocab, merges));

  it('accepts single-token answers and has no unknown words to report', () => {
    expect(bpe.kind).toBe('bpe');
    expect(bpe.encode(' Mary')).toHaveLength(1);
    const odd = (t: string) => t.replace('store', 'Zorblax');
    expect(validateDataset([{ ...GOOD, clean: odd(GOOD.clean), corrupted: odd(GOOD.corrupted) }], bpe)).toEqual([]);
  });

  it('names a multi-token answer with its BPE pieces and a length mismatch from a longer name', () => {
    // 58 characters, one byte token each, except " Mary" and " John" (5 bytes -> 1 token):
    // clean 58 - 3 * 4 = 46 tokens; corrupted " Marz" is " Mar" + "z" (5 bytes -> 2), so 47.
    expect(GOOD.clean).toHaveLength(58);
    const errors = validateDataset([{ ...GOOD, correct: ' Marz', corrupted: GOOD.corrupted.replace('Mary gave', 'Marz gave') }], bpe);
    expect(errors.map((e) => e.message)).toEqual([
      'row 1, field "correct": answer " Marz" is 2 tokens (" Mar", "z"), expected 1',
      "row 1, field \"corrupted\": clean and corrupted token lengths differ: clean 46 tokens, corrupted 47",
    ]);
  });
});
