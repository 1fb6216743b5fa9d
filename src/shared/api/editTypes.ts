/** Results of the model-editing operations (edit.*, model.select), as the renderer sees them. */
import type { EditEntry, ModelEntry, RunEntry } from './projectTypes';

/** ROME's metrics on the edited prompt and the prompts given with it. */
export interface RomeMetricsView {
  efficacy: boolean;
  efficacyScore: boolean;
  targetProbBefore: number;
  targetProbAfter: number;
  /** Fractions; null when no such prompts were given. */
  paraphrase: number | null;
  specificity: number | null;
  neighbourhood: { prompt: string; before: string; after: string }[];
}

/** Causal tracing: answer probability with one layer's MLP state restored at one position. */
export interface CausalTraceView {
  tokens: string[];
  /** [layer][position] */
  probs: number[][];
  cleanProb: number;
  corruptedProb: number;
  subjectPositions: number[];
}

export interface EditOutcome {
  run: RunEntry;
  edit: EditEntry;
  /** The edited model, registered in the project (base + this edit). */
  model: ModelEntry;
}

export interface RomeOutcome extends EditOutcome {
  layer: number;
  metrics: RomeMetricsView;
  trace: CausalTraceView | null;
}

/** The edited prompt's top next-token predictions on the model before and after an edit. */
export interface HeadEditPredictionsView {
  /** The prompt's tokens. */
  tokens: string[];
  before: { token: string; id: number; prob: number }[];
  after: { token: string; id: number; prob: number }[];
}

export interface HeadEditOutcome extends EditOutcome {
  /** OV edits: the head output's projection on the chosen direction, before and after. */
  projection: { before: number; after: number } | null;
  /** Null for runs made before predictions were kept. */
  predictions: HeadEditPredictionsView | null;
}

export interface PredictionRowView {
  input: string;
  model: string;
  prediction: string;
  logit: number;
  prob: number;
}

export interface ModelTaskScore {
  task: string;
  n: number;
  accuracy: number;
  meanLogitDiff: number;
}

/** The top-N EAP-IG circuit of a model against the first model's, on the same dataset, by edge name. */
export interface ModelCircuitDiff {
  model: string;
  modelId: number;
  topN: number;
  both: string[];
  onlyFirst: string[];
  onlyThis: string[];
  faithfulness: { first: number; this: number };
}

export interface ModelComparison {
  /** The outline's table: Input | Model | Prediction | Logit, each prompt on every model. */
  predictions: PredictionRowView[];
  /** Per model, per task accuracy and logit difference on the dataset (empty without one). */
  evaluations: { model: string; modelId: number; tasks: ModelTaskScore[] }[];
  /** With circuitTopN and a dataset: each later model's circuit against the first model's. */
  circuits: ModelCircuitDiff[];
  /** The run that computed it (edit.compare is a job; the comparison is stored with the run). */
  run?: RunEntry;
}
