/** The recipe of the bundled default model (resources/default-model), and its evaluation protocol. */
import type { Corruption, TaskName } from '../datasets';
import type { TrainingRecipe } from './recipe';

/**
 * Exactly the recipe the shipped weights were trained with (their training-log.json records it;
 * a test keeps the two equal). The corpus draws every template, the opt-in comparison ones
 * included; the model stays near chance on those ("so the shorter one is"), and larger or
 * longer runs (4 layers, 8 heads, d128, comparison weighted 2-3x, 4000-5000 steps) did too.
 */
export const DEFAULT_RECIPE: TrainingRecipe = {
  seed: 20261124,
  architecture: { nLayer: 3, nHead: 4, dModel: 64, dMlp: 256, nCtx: 32 },
  data: {
    tasks: { ioi: 1, comparison: 1, latest: 1 },
    filler: 0.2,
    fillerSentencesPerRow: 3,
    contrastPairs: 0.5,
    answerWeight: 8,
    bucketBatches: 4,
    fixedPremiseSteps: 0,
  },
  optimiser: {
    steps: 3000,
    batchSize: 32,
    learningRate: 3e-3,
    warmupSteps: 100,
    finalLrFraction: 0.1,
    beta1: 0.9,
    beta2: 0.98,
    epsilon: 1e-8,
    weightDecay: 0.01,
    clipNorm: 1,
  },
  init: { std: 0.1, embeddingStd: 0.3, positionStd: 0.3 },
};

/** Held-out evaluation of the shipped model: this many items per task, this seed (training never draws held-out items). */
export const DEFAULT_EVAL = { n: 200, seed: 2026, split: 'heldout' as const };

/** Every corruption of every task, the default one first (the model card reports each). */
export const EVAL_CORRUPTIONS: Readonly<Record<TaskName, readonly Corruption[]>> = {
  ioi: ['abc', 'abc-s2', 'swap'],
  comparison: ['flip', 'swap'],
  latest: ['swap'],
};
