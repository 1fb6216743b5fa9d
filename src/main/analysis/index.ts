/** Where the answer comes from: the analyses of outline steps 1-4 and 7, as plain services. */
export { AnalysisError, Progress, throwIfAborted, type AnalysisOptions } from './progress';
export {
  encodeTaskItems,
  batchFromTokens,
  groupByLength,
  chunkGroup,
  singleLengthGroup,
  positionLabels,
  type PromptBatch,
  type PromptGroup,
  type TokenPair,
} from './promptBatch';
export {
  logitDiffPerPrompt,
  logitDiffMetric,
  klToCleanMetric,
  metricFor,
  perCopy,
  normalisedMetric,
  answerSigns,
  METRIC_KINDS,
  type Metric,
  type MetricKind,
} from './metrics';
export { answerDirections, unembedBiasDiff, applyFinalLn, effectiveDirections, constantTerm } from './answerDirection';
export { logitDifference, logitLens, residualStages, type LogitDiffResult, type LogitLensResult, type LensScale, type PromptSide } from './logitLens';
export { directLogitAttribution, dlaComponentLabels, type DlaResult, type DlaByPosition } from './dla';
export {
  activationPatching,
  tileCopies,
  PATCH_TARGETS,
  PATCH_DIRECTIONS,
  type PatchTarget,
  type PatchDirection,
  type PatchOptions,
  type PatchResult,
} from './patching';
export {
  attentionPatterns,
  averageAttention,
  namedPositions,
  wordPositions,
  defaultPairs,
  type AttentionPatternResult,
  type AverageAttentionResult,
  type NamedPositions,
} from './attention';
export { headCorrelation, pearson, type CorrelationResult, type CorrelationPoint, type CorrelationY } from './correlation';
export { copyScores, headOutputs, type CopyScoreResult, type CopyScoreOptions, type CopyInput, type HeadScores } from './copyScores';
export {
  congruence,
  vocabProjection,
  rankNeurons,
  directionTensor,
  directionLabel,
  type DirectionSpec,
  type CongruenceResult,
  type VocabProjectionResult,
  type NeuronRankingResult,
  type RankedEntry,
} from './congruence';
export { neuroscope, type NeuroscopeResult, type NeuroscopeEntry } from './neuroscope';
export { trackTokens, type TrackTokensResult, type TrackGroup, type TrackDirection } from './trackTokens';
export { processWeights, type ProcessOptions, type ProcessedModel } from './processWeights';
