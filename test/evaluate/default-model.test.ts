/**
 * The shipped model (resources/default-model) on a freshly generated held-out set: name pairs
 * and word combinations never seen together in training, with a seed neither training, the
 * model card nor any other test uses. Issue 15's bars: on the antonym-dependent comparison
 * templates (the task's default since that issue) >= 95% top-1 and mean logit difference >= 2;
 * on IOI and latest subject >= 99% top-1; corrupted prompts lower the logit difference. The
 * README claims more (its table's top-1 and logit differences), and that is asserted too.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTemplateIds, generate, optInTemplateIds, TASK_NAMES, type TaskName } from '../../src/main/datasets';
import { evaluate, type TaskStats } from '../../src/main/services/evaluate';
import { defaultModelDir, openModel, type ModelSession } from '../../src/main/services/modelSession';
import { BUNDLED_RECIPES, DEFAULT_EVAL, DEFAULT_RECIPE, EVAL_CORRUPTIONS } from '../../src/main/training/defaultRecipe';

const SEED = 31337;
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
    // `npm run train:default-model` trains exactly what ships.
    expect(log.recipe).toEqual(DEFAULT_RECIPE);
  });

  it('every bundled model present was trained by exactly its recipe in BUNDLED_RECIPES', async () => {
    const root = path.dirname(defaultModelDir());
    let found = 0;
    for (const [name, recipe] of Object.entries(BUNDLED_RECIPES)) {
      const logFile = path.join(root, name, 'training-log.json');
      if (!existsSync(logFile)) continue;
      found++;
      const log = JSON.parse(await readFile(logFile, 'utf8'));
      expect(log.recipe, name).toEqual(recipe);
      expect(log.losses).toHaveLength(recipe.optimiser.steps);
    }
    expect(found).toBeGreaterThanOrEqual(1);
  });

  /** Held-out evaluation of one task under each corruption the model card reports. */
  async function heldOut(task: TaskName): Promise<{ corruption: string; s: TaskStats }[]> {
    expect(SEED).not.toBe(DEFAULT_EVAL.seed);
    const out: { corruption: string; s: TaskStats }[] = [];
    for (const corruption of EVAL_CORRUPTIONS[task]) {
      const items = generate(task, { n: 200, seed: SEED, split: 'heldout', corruption });
      expect(items.every((i) => i.meta?.split === 'heldout')).toBe(true);
      const s = (await evaluate(session, items)).tasks[task];
      expect(s.n).toBe(200);
      console.log(`${task} (${corruption}): top-1 ${(100 * s.accuracy).toFixed(1)}%, logit diff ${s.meanLogitDiff.toFixed(2)}, corrupted ${s.meanCorruptedLogitDiff.toFixed(2)}`);
      out.push({ corruption, s });
    }
    return out;
  }

  /** Issue 15's top-1 bar per task: the antonym-dependent comparison templates 95%, the others 99%. */
  const TOP1_BAR: Record<TaskName, number> = { ioi: 0.99, comparison: 0.95, latest: 0.99 };

  it.each(TASK_NAMES.map((t) => [t]))('held-out %s: top-1 at the bar, logit diff >= 2 and corruption removes at least half of it', async (task) => {
    for (const { corruption, s } of await heldOut(task)) {
      expect(s.accuracy, corruption).toBeGreaterThanOrEqual(TOP1_BAR[task]);
      expect(s.meanLogitDiff).toBeGreaterThanOrEqual(2.0);
      expect(s.meanCorruptedLogitDiff).toBeLessThan(0.5 * s.meanLogitDiff);
    }
  });

  it('the comparison task the bars apply to is the antonym-dependent form (every default template needs the adjectives)', () => {
    for (const id of defaultTemplateIds('comparison')) expect(id).toMatch(/^comparison\/(the-one|compared-to)\//);
  });

  // What the README's table claims (its "The bundled default model" section): 100% top-1 on
  // every held-out set, and these logit differences (2 decimals, as printed there).
  const README_CLAIMS: Record<TaskName, { corruption: string; logitDiff: number; corrupted: number }> = {
    ioi: { corruption: 'abc', logitDiff: 11.79, corrupted: 0.5 },
    latest: { corruption: 'swap', logitDiff: 14.35, corrupted: -14.6 },
    comparison: { corruption: 'flip', logitDiff: 12.67, corrupted: -13.16 },
  };

  it.each(TASK_NAMES.map((t) => [t]))('held-out %s: top-1 accuracy 100% and the logit differences the README reports', async (task) => {
    const runs = await heldOut(task);
    for (const { corruption, s } of runs) expect(s.accuracy, corruption).toBe(1);
    const claim = README_CLAIMS[task];
    const { s } = runs.find((r) => r.corruption === claim.corruption)!;
    expect(s.meanLogitDiff).toBeCloseTo(claim.logitDiff, 2);
    expect(s.meanCorruptedLogitDiff).toBeCloseTo(claim.corrupted, 2);
  });

  // The opt-in comparison templates are the subject form ("..., so Bob is shorter than"), which
  // the shipped recipe does not train on; the model answers them with the wrong name (model
  // card). Recorded, so a model that learns them is noticed: its accuracy stays under the bar.
  it('held-out opt-in comparison templates (subject form, untrained): reported, and below the task bar', async () => {
    const optIn = optInTemplateIds('comparison');
    expect(optIn.length).toBeGreaterThan(0);
    const items = generate('comparison', { n: 200, seed: SEED, split: 'heldout', templates: optIn });
    const s = (await evaluate(session, items)).tasks.comparison;
    console.log(`comparison opt-in templates: top-1 ${(100 * s.accuracy).toFixed(1)}%, logit diff ${s.meanLogitDiff.toFixed(2)}`);
    expect(s.accuracy).toBeLessThan(0.8);
  });
});
