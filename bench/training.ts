/**
 * Training speed of the default recipe (BENCH_TRAIN_STEPS steps, default 40) on one thread and
 * data-parallel on every core (train's `workers`), measured in the same run, with the loss each
 * reaches (equal up to float rounding) and the tensor count before and after.
 */
import os from 'node:os';
import { defaultTokenizerJson } from '../src/main/datasets';
import { tf } from '../src/main/engine/tf';
import { tokenizerFromJson } from '../src/main/tokenizer';
import { DEFAULT_RECIPE } from '../src/main/training/defaultRecipe';
import { train } from '../src/main/training/train';
import { round } from './harness';

export async function benchTrainingSpeed(): Promise<Record<string, unknown>> {
  const tokenizer = tokenizerFromJson(defaultTokenizerJson());
  const steps = Number(process.env.BENCH_TRAIN_STEPS ?? 40);
  const cores = os.availableParallelism();
  const rows: Record<string, unknown>[] = [];
  for (const workers of cores > 1 ? [1, cores] : [1]) {
    const recipe = structuredClone(DEFAULT_RECIPE);
    recipe.optimiser.steps = steps;
    const tensorsBefore = tf.memory().numTensors;
    const t0 = performance.now();
    const r = await train(recipe, { tokenizer, workers });
    rows.push({ workers, seconds: round((performance.now() - t0) / 1000), stepsPerSecond: round(r.log.timings.stepsPerSecond), lossAtLastStep: r.log.losses[steps - 1], tensorsBefore, tensorsAfter: tf.memory().numTensors });
  }
  return { recipe: 'default-model recipe (3 layers, d_model 64, batch 64)', steps, rows, note: 'seconds include starting the workers; steps per second do not' };
}
