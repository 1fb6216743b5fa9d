/**
 * The longest prompt the live backend's memory runs (engine/promptLimit.ts) and the refusals that
 * name it: dataset validation (datasets/validate.ts) and encoding for analysis (promptBatch.ts),
 * on a model whose computed limit is below its context (a small memory limit passed in).
 */
import { describe, expect, it } from 'vitest';
import { parseHfConfig } from '../../src/main/engine/config';
import { WASM_HEAP_BYTES } from '../../src/main/engine/backend';
import { activationPeakBytes, largestRunnableTokens, promptMemoryBound, weightBytes } from '../../src/main/engine/promptLimit';
import { defaultVocabulary, validateDataset, type TaskItem } from '../../src/main/datasets';
import { encodeTaskItems } from '../../src/main/analysis/promptBatch';
import { GPT2_SMALL_SHAPE } from '../../bench/forward';
import { defaultTokenizer } from '../datasets/defaultTokenizer';

const SHORT: TaskItem = { clean: 'When Mary and John went to', corrupted: 'When Mary and John went to', correct: ' Mary', incorrect: ' John', template: 't/short', task: 'ioi' };
const LONG: TaskItem = {
  clean: 'When Mary and John went to the store, John gave a drink to',
  corrupted: 'When Mary and John went to the store, Mary gave a drink to',
  correct: ' Mary',
  incorrect: ' John',
  template: 't/long',
  task: 'ioi',
};

// the default model's shape: 32 positions, BOS first
const config = parseHfConfig({ n_layer: 3, n_head: 4, n_embd: 64, n_inner: 256, n_positions: 32, prepend_bos: true, vocab_size: defaultVocabulary().length });
// memory for the weights and exactly 10 tokens' intermediates: 10 tokens (BOS + 9 prompt tokens) is the most that fits
const smallLimit = weightBytes(config) + activationPeakBytes(config, 1, 10);
const backend = { name: 'wasm', memoryLimitBytes: smallLimit };

describe('largest runnable prompt', () => {
  it('is the context without a memory limit, and for the GPT-2-small shape in the wasm heap (a 1024-token prompt runs there)', () => {
    expect(largestRunnableTokens(config, undefined)).toBe(32);
    const gpt2 = parseHfConfig(GPT2_SMALL_SHAPE);
    expect(largestRunnableTokens(gpt2, WASM_HEAP_BYTES)).toBe(1024);
    expect(promptMemoryBound(gpt2, { name: 'wasm', memoryLimitBytes: WASM_HEAP_BYTES })).toBeUndefined();
  });

  it('follows the stated estimate: 3 x 4 bytes x tokens x (8 d_mlp + 18 d_model + 4 heads T + vocabulary)', () => {
    const gpt2 = parseHfConfig(GPT2_SMALL_SHAPE);
    expect(activationPeakBytes(gpt2, 1, 1024)).toBe(3 * 4 * 1024 * (8 * 3072 + 18 * 768 + 4 * 12 * 1024 + 50257));
    expect(activationPeakBytes(gpt2, 8, 15)).toBe(3 * 4 * 8 * 15 * (8 * 3072 + 18 * 768 + 4 * 12 * 15 + 50257));
  });

  it('is the longest length that fits beside the weights when memory is short', () => {
    expect(largestRunnableTokens(config, smallLimit)).toBe(10);
    expect(largestRunnableTokens(config, smallLimit - 1)).toBe(9);
    expect(largestRunnableTokens(config, weightBytes(config))).toBe(0);
    // more rows, fewer tokens each
    expect(largestRunnableTokens(config, smallLimit, 2)).toBeLessThan(10);
    expect(promptMemoryBound(config, backend)).toEqual({ maxPromptTokens: 9, why: expect.stringContaining("the wasm backend's") });
  });
});

describe('prompts longer than the backend runs', () => {
  const bound = promptMemoryBound(config, backend)!;

  it('dataset validation names the row, its length, the context and the largest length; other rows and problems are kept', () => {
    const items = [SHORT, LONG, { ...SHORT, incorrect: ' Mary' }];
    const copy = structuredClone(items);
    const errors = validateDataset(items, defaultTokenizer(), { maxPromptTokens: 31, memoryBound: bound });
    expect(errors.map((e) => [e.row, e.field, e.problem])).toEqual([
      [2, 'clean', 'too-long'],
      [2, 'corrupted', 'too-long'],
      [3, 'incorrect', 'same-answers'],
    ]);
    expect(errors[0].message).toBe(`row 2, field "clean": the prompt is 14 tokens; the model's context allows 31, but ${bound.why} can run prompts of at most 9 tokens`);
    expect(bound.why).toBe(`the wasm backend's ${(smallLimit / 1024 ** 2).toFixed(1)} MiB of memory, ${(weightBytes(config) / 1024 ** 2).toFixed(1)} MiB of it weights,`);
    expect(items).toEqual(copy);
    // beyond the context, the context's message as before (the memory bound adds nothing there)
    const beyond = validateDataset([{ ...LONG, clean: `${LONG.clean} ${'the '.repeat(20)}`.trim() }], defaultTokenizer(), { maxPromptTokens: 31, memoryBound: bound });
    expect(beyond[0].message).toBe('row 1, field "clean": the prompt is 34 tokens; the model reads at most 31');
  });

  it('encoding for analysis refuses the row with the same facts, and accepts prompts within the bound', () => {
    expect(() => encodeTaskItems([SHORT, LONG], defaultTokenizer(), config, bound)).toThrow(
      `row 1 (template "t/long"): the clean prompt is 14 tokens; the model's context allows 31, but ${bound.why} can run prompts of at most 9 tokens`,
    );
    const batch = encodeTaskItems([SHORT, SHORT], defaultTokenizer(), config, bound);
    expect(batch.groups.map((g) => [g.length, g.rows])).toEqual([[7, [0, 1]]]);
    expect(encodeTaskItems([SHORT, LONG], defaultTokenizer(), config).size).toBe(2);
  });
});
