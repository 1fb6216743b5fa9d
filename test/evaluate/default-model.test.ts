/**
 * The shipped model (resources/default-model) on a freshly generated held-out set: name pairs
 * and word combinations never seen together in training, with a seed neither training nor the
 * model card used. The bar: >= 95% top-1 and mean logit difference >= 2.0 per task, and
 * corrupted prompts lower the logit difference.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, TASK_NAMES } from '../../src/main/datasets';
import { evaluate } from '../../src/main/services/evaluate';
import { defaultModelDir, openModel, type ModelSession } from '../../src/main/services/modelSession';
import { DEFAULT_EVAL, EVAL_CORRUPTIONS } from '../../src/main/training/defaultRecipe';

const SEED = 777;
let session: ModelSession;

beforeAll(async () => {
  session = await openModel(defaultModelDir());
});
afterAll(() => session?.model.dispose());

describe('the bundled default model', () => {
  it('is a word-level GPT-2 that expects BOS, with small weights and its training log', async () => {
    expect(session.config.prependBos).toBe(true);
    expect(session.config.tiedEmbeddings).toBe(true);
    expect(session.config.activation).toBe('gelu_new');
    expect(session.tokenizer.kind).toBe('word');
    const log = JSON.parse(await readFile(path.join(defaultModelDir(), 'training-log.json'), 'utf8'));
    expect(log.losses).toHaveLength(log.recipe.optimiser.steps);
    expect(log.config).toEqual(session.config);
  });

  it.each(TASK_NAMES.map((t) => [t]))('solves held-out %s prompts (>= 95%% top-1, logit diff >= 2) and corruption lowers the difference', async (task) => {
    expect(SEED).not.toBe(DEFAULT_EVAL.seed);
    const lines: string[] = [];
    for (const corruption of EVAL_CORRUPTIONS[task]) {
      const items = generate(task, { n: 200, seed: SEED, split: 'heldout', corruption });
      expect(items.every((i) => i.meta?.split === 'heldout')).toBe(true);
      const s = (await evaluate(session, items)).tasks[task];
      lines.push(`${task} (${corruption}): top-1 ${(100 * s.accuracy).toFixed(1)}%, logit diff ${s.meanLogitDiff.toFixed(2)}, corrupted ${s.meanCorruptedLogitDiff.toFixed(2)}`);
      expect(s.n).toBe(200);
      expect(s.accuracy).toBeGreaterThanOrEqual(0.95);
      expect(s.meanLogitDiff).toBeGreaterThanOrEqual(2.0);
      // Corrupted prompts remove or reverse the signal: at most half the clean difference remains.
      expect(s.meanCorruptedLogitDiff).toBeLessThan(0.5 * s.meanLogitDiff);
    }
    console.log(lines.join('\n'));
  });
});
