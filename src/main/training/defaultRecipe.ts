/** The recipe of the bundled default model (resources/default-model), and its evaluation protocol. */
import { CORRUPTIONS, type Corruption, type TaskName } from '../datasets';
import type { TrainingRecipe } from './recipe';

/**
 * Exactly the recipe the shipped weights were trained with (their training-log.json records it;
 * a test keeps the two equal). Comparison rows draw only the antonym-dependent templates (the
 * task's default), weighted 3 against IOI and latest subject; the first `fixedPremiseSteps`
 * steps are the curriculum's easy phase. Every run tried before is in RUNS_TRIED (runsTried.ts).
 */
export const DEFAULT_RECIPE: TrainingRecipe = {
  seed: 20261124,
  architecture: { nLayer: 3, nHead: 4, dModel: 64, dMlp: 256, nCtx: 32 },
  data: {
    tasks: { ioi: 1, comparison: 3, latest: 1 },
    filler: 0.1,
    templates: { comparison: ['comparison/the-one/antonym', 'comparison/the-one/same', 'comparison/compared-to/antonym', 'comparison/compared-to/same'] },
    fillerSentencesPerRow: 3,
    contrastPairs: 0.5,
    answerWeight: 8,
    bucketBatches: 4,
    fixedPremiseSteps: 1000,
  },
  optimiser: {
    steps: 2200,
    batchSize: 64,
    learningRate: 3e-3,
    warmupSteps: 100,
    finalLrFraction: 0.1,
    beta1: 0.9,
    beta2: 0.98,
    epsilon: 1e-8,
    weightDecay: 0.1,
    clipNorm: 1,
  },
  init: { std: 0.1, embeddingStd: 0.3, positionStd: 0.3 },
};

/** The second bundled model (resources/larger-model): the same recipe, one more layer and a wider stream. */
export const LARGER_RECIPE: TrainingRecipe = {
  ...DEFAULT_RECIPE,
  architecture: { nLayer: 4, nHead: 4, dModel: 80, dMlp: 320, nCtx: 32 },
};

/** The bundled models by folder name under resources/, with the recipe each was trained by. */
export const BUNDLED_RECIPES: Readonly<Record<string, TrainingRecipe>> = {
  'default-model': DEFAULT_RECIPE,
  'larger-model': LARGER_RECIPE,
};

/** Held-out evaluation of the shipped model: this many items per task, this seed (training never draws held-out items). */
export const DEFAULT_EVAL = { n: 200, seed: 2026, split: 'heldout' as const };

/** Every corruption of every task, the default one first (the model card reports each): the generators' own registry. */
export const EVAL_CORRUPTIONS: Readonly<Record<TaskName, readonly Corruption[]>> = CORRUPTIONS;
