/** Training GPT-2 models from scratch on the task corpus (the bundled default model's recipe lives here too). */
export type { TrainingRecipe, ArchitectureSpec, DataMix, OptimiserSpec, InitSpec } from './recipe';
export { train, configFor, initialParams, type TrainOptions, type TrainProgress, type TrainResult, type TrainingLog, type CheckpointEval } from './train';
export { BatchStream, drawPool, assembleBatch, taskRow, CorpusError, type TrainingRow, type TrainingBatch } from './corpus';
export { AdamW } from './adam';
export { weightedCrossEntropy } from './loss';
export { learningRateAt } from './schedule';
export { makeTrainable, exportParams, type TrainableWeights } from './trainableWeights';
export { lossCurveSvg, lossWindows, smooth } from './lossCurve';
export { modelCard, type ModelCardInput, type CorruptionResult } from './modelCard';
export { DEFAULT_RECIPE, DEFAULT_EVAL, EVAL_CORRUPTIONS } from './defaultRecipe';
