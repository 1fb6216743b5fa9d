import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTokenizerJson, generate, TASK_NAMES, type TaskItem } from '../../src/main/datasets';
import { initBackend } from '../../src/main/engine/backend';
import { parseHfConfig } from '../../src/main/engine/config';
import { HookedGPT2 } from '../../src/main/engine/model';
import { randomParams } from '../../src/main/engine/params';
import { tf } from '../../src/main/engine/tf';
import { evaluate, type EvalModel } from '../../src/main/services/evaluate';
import { encodePrompt } from '../../src/main/services/prompt';
import { tokenizerFromJson } from '../../src/main/tokenizer';

const tokenizer = tokenizerFromJson(defaultTokenizerJson());
let m: EvalModel;
let items: TaskItem[];

beforeAll(async () => {
  await initBackend();
  const config = parseHfConfig({ n_layer: 2, n_head: 4, n_embd: 32, n_positions: 32, vocab_size: tokenizer.vocabSize, prepend_bos: true });
  // std 0.3: logits spread enough that argmax and logit differences vary from item to item.
  m = { model: HookedGPT2.fromParams(config, randomParams(config, 17, 0.3)), tokenizer, config };
  // Every template of every task: prompts of many different token lengths.
  items = TASK_NAMES.flatMap((task) => generate(task, { n: 40, seed: 3, split: 'all' }));
});

/** logit(correct) - logit(incorrect) and the argmax at the last position, one prompt at a time. */
function perPrompt(text: string, correct: string, incorrect: string): { diff: number; argmax: number } {
  const ids = encodePrompt(tokenizer, m.config, text);
  const logits = m.model.forward([ids], 'all'); // [1, T, V]
  const all = logits.arraySync() as number[][][];
  logits.dispose();
  const last = all[0][ids.length - 1];
  const [c] = tokenizer.encode(correct);
  const [i] = tokenizer.encode(incorrect);
  return { diff: last[c] - last[i], argmax: last.indexOf(Math.max(...last)) };
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('evaluate', () => {
  it('matches a plain per-prompt forward loop, item by item and in every group mean', async () => {
    const before = tf.memory().numTensors;
    const report = await evaluate(m, items, { batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.items).toHaveLength(items.length);
    const expected = items.map((item) => {
      const clean = perPrompt(item.clean, item.correct, item.incorrect);
      const corrupted = perPrompt(item.corrupted, item.correct, item.incorrect);
      return { clean: clean.diff, corrupted: corrupted.diff, top1: clean.argmax === tokenizer.encode(item.correct)[0] };
    });
    // float32 batched vs unbatched: logits are O(10), agreement to 1e-4 absolute.
    report.items.forEach((r, k) => {
      expect(r.cleanLogitDiff).toBeCloseTo(expected[k].clean, 4);
      expect(r.corruptedLogitDiff).toBeCloseTo(expected[k].corrupted, 4);
      expect(r.top1Correct).toBe(expected[k].top1);
      expect(r.template).toBe(items[k].template);
    });
    // The model is random: logit differences really vary (the test would catch a constant).
    expect(new Set(expected.map((e) => e.clean.toFixed(3))).size).toBeGreaterThan(items.length / 2);
    for (const task of TASK_NAMES) {
      const idx = items.map((it, k) => (it.task === task ? k : -1)).filter((k) => k >= 0);
      const s = report.tasks[task];
      expect(s.n).toBe(idx.length);
      expect(s.meanLogitDiff).toBeCloseTo(mean(idx.map((k) => expected[k].clean)), 4);
      expect(s.meanCorruptedLogitDiff).toBeCloseTo(mean(idx.map((k) => expected[k].corrupted)), 4);
      expect(s.accuracy).toBe(idx.filter((k) => expected[k].top1).length / idx.length);
      for (const [template, t] of Object.entries(s.templates)) {
        const tIdx = idx.filter((k) => items[k].template === template);
        expect(t.n).toBe(tIdx.length);
        expect(t.meanLogitDiff).toBeCloseTo(mean(tIdx.map((k) => expected[k].clean)), 4);
        expect(t.meanCorruptedLogitDiff).toBeCloseTo(mean(tIdx.map((k) => expected[k].corrupted)), 4);
      }
      expect(Object.values(s.templates).reduce((n, t) => n + t.n, 0)).toBe(idx.length);
    }
    expect(report.overall.n).toBe(items.length);
    expect(report.overall.meanLogitDiff).toBeCloseTo(mean(expected.map((e) => e.clean)), 4);
  });

  it('gives the same numbers whatever the batch size', async () => {
    const a = await evaluate(m, items, { batchSize: 2 });
    const b = await evaluate(m, items, { batchSize: 256 });
    a.items.forEach((r, k) => {
      expect(b.items[k].cleanLogitDiff).toBeCloseTo(r.cleanLogitDiff, 4);
      expect(b.items[k].top1Correct).toBe(r.top1Correct);
    });
  });

  it('reports progress up to the item count and stops with an AbortError when cancelled', async () => {
    const progress: number[] = [];
    await evaluate(m, items, { batchSize: 32, onProgress: (done, total) => { expect(total).toBe(items.length); progress.push(done); } });
    expect(progress.at(-1)).toBe(items.length);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    const controller = new AbortController();
    const run = evaluate(m, items, { batchSize: 8, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('names the item whose answer is not one token or whose prompts differ in length', async () => {
    const good = items[0];
    await expect(evaluate(m, [good, { ...good, correct: ' Mary Ann' }])).rejects.toThrow(/^item 2 \(ioi\/[^)]+\): answer " Mary Ann" is 2 tokens/);
    await expect(evaluate(m, [{ ...good, corrupted: `${good.corrupted} to` }])).rejects.toThrow(/^item 1 .*clean and corrupted token lengths differ/);
    await expect(evaluate(m, [])).rejects.toThrow('the dataset has no items');
  });
});
