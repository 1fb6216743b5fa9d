/**
 * The study's numeric parameters, one registry for every place that names them: the plan's
 * defaults and checks (main/study/plan.ts), study.run's params schema, the CLI's options and the
 * New study form. `label` is what the form and the errors call it.
 */
export type StudySplit = 'train' | 'heldout' | 'all';

export interface StudyParams {
  /** Prompts per model (clean/corrupted pairs) for every analysis. */
  n: number;
  seed: number;
  split: StudySplit;
  /** Only these template ids (opt-in ones allowed); empty = the task's defaults. */
  templates: string[];
  /** How the corrupted prompts are made (one of the task's corruptions); empty = the task's default. */
  corruption: string;
  /** Heads with the largest head-patching effect studied in plots 3-5. */
  topHeads: number;
  /** Neurons of the top MLP ranked along the answer's unembedding (plot 5). */
  topNeurons: number;
  /** top-k of the copy / antonym scores. */
  copyK: number;
  acdcTau: number;
  acdcMaxBatch: number;
  /** ACDC starts from the top-N edges of EAP-IG instead of the full graph (0 = the full graph; faster, same method on fewer edges). */
  acdcStartTopN: number;
  eapIgSteps: number;
  completenessSamples: number;
  completenessGreedySteps: number;
  completenessSeed: number;
  /** ROME on the top MLP: Adam steps, learning rate, weight decay, context prefixes. */
  romeSteps: number;
  romeLr: number;
  romeWeightDecay: number;
  romeContexts: number;
  /** Held-out prompts for paraphrase generalisation and neighbourhood specificity, and their seed. */
  editParaphrases: number;
  editNeighbours: number;
  editSeed: number;
  /** Prompts of the Input | Model | Prediction | Logit table. */
  predictionPrompts: number;
}

export type StudyNumberKey = { [K in keyof StudyParams]: StudyParams[K] extends number ? K : never }[keyof StudyParams];

export interface StudyNumberParam {
  key: StudyNumberKey;
  label: string;
  integer: boolean;
  min: number;
  max: number;
  default: number;
}

const int = (key: StudyNumberKey, label: string, def: number, min: number, max: number): StudyNumberParam => ({ key, label, integer: true, min, max, default: def });
const real = (key: StudyNumberKey, label: string, def: number, min: number, max: number): StudyNumberParam => ({ key, label, integer: false, min, max, default: def });

/** Every numeric parameter, in the order the form shows them. */
export const STUDY_NUMBER_PARAMS: readonly StudyNumberParam[] = [
  int('n', 'Prompts per model (n)', 32, 1, 4096),
  int('seed', 'Seed of the prompts', 0, 0, 2 ** 31 - 1),
  int('topHeads', 'Top heads studied (plots 3-5)', 3, 1, 64),
  int('topNeurons', 'Top neurons of the top MLP (plot 5)', 5, 1, 256),
  int('copyK', 'Copy / antonym scores: top-k', 5, 1, 1000),
  real('acdcTau', 'ACDC threshold tau', 0.05, 0, 1e6),
  int('acdcMaxBatch', 'ACDC trials per batched run', 32, 1, 4096),
  int('acdcStartTopN', 'ACDC starts from the top-N EAP-IG edges (0: the full graph)', 0, 0, 10_000_000),
  int('eapIgSteps', 'EAP-IG steps m', 5, 1, 1000),
  int('completenessSamples', 'Completeness: random subsets', 10, 0, 1000),
  int('completenessGreedySteps', 'Completeness: greedy steps', 3, 0, 100),
  int('completenessSeed', 'Completeness: seed', 0, 0, 2 ** 31 - 1),
  int('romeSteps', 'ROME: Adam steps', 20, 1, 10_000),
  real('romeLr', 'ROME: learning rate', 0.5, 1e-6, 1e3),
  real('romeWeightDecay', 'ROME: weight decay', 0.1, 0, 1e3),
  int('romeContexts', 'ROME: context prefixes', 4, 0, 64),
  int('editParaphrases', 'Edit validation: paraphrase prompts', 8, 0, 256),
  int('editNeighbours', 'Edit validation: neighbourhood prompts', 8, 0, 256),
  int('editSeed', 'Edit validation: seed', 101, 0, 2 ** 31 - 1),
  int('predictionPrompts', 'Prompts of the prediction table', 5, 1, 256),
];

/** Whether `value` is allowed for parameter `p`: a finite number in its range, whole where it must be. */
export function allowedStudyNumber(p: StudyNumberParam, value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && (!p.integer || Number.isInteger(value)) && value >= p.min && value <= p.max;
}

/** The problem with `value` for parameter `p` in the form's words, or null when it is allowed. */
export function studyNumberProblem(p: StudyNumberParam, value: unknown): string | null {
  return allowedStudyNumber(p, value) ? null : `${p.label} must be ${p.integer ? 'a whole number' : 'a number'} from ${p.min} to ${p.max}.`;
}
