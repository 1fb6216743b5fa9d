/** A training recipe: architecture, data mix, optimiser and schedule, all plain data (logged as is). */
import type { TaskName } from '../datasets';

export interface ArchitectureSpec {
  nLayer: number;
  nHead: number;
  dModel: number;
  /** MLP width (GPT-2: 4 x dModel). */
  dMlp: number;
  /** Context length (n_positions). */
  nCtx: number;
}

export interface DataMix {
  /** Relative weight of each task family and of filler text in the rows drawn. */
  tasks: Readonly<Record<TaskName, number>>;
  filler: number;
  /** Draw only these templates of a task (default: all of them, opt-in ones included). */
  templates?: Partial<Record<TaskName, readonly string[]>>;
  /**
   * Curriculum, third phase: `templates` restricts the corpus only before this step; from it on
   * every template is drawn (absent: always restricted). Adding the subject form after the
   * antonym transition keeps that transition and teaches the antonym token (probe p3, runs tried).
   */
  restrictTemplatesUntil?: number;
  /** Filler rows hold this many sentences at most (at least 1), cut to the context. */
  fillerSentencesPerRow: number;
  /**
   * Probability that a task row comes with its contrast partner: the corrupted prompt of a
   * corruption whose true answer is the clean run's incorrect one (IOI 'swap', comparison
   * 'flip' or 'swap', latest 'swap'). Minimal pairs teach what the answer depends on.
   */
  contrastPairs: number;
  /** Loss weight of the answer position (every other real token weighs 1). */
  answerWeight: number;
  /**
   * Rows are drawn in pools of `bucketBatches` batches, sorted by length within the pool and
   * cut into batches, so a batch pads to a similar length (less wasted compute).
   */
  bucketBatches: number;
  /**
   * Curriculum: for the first this many steps, comparison premises state the first comparative
   * of their pair ("taller", never "shorter"), so "the shorter one is" names B from the
   * conclusion's adjective alone. That teaches the circuit that picks a name from an adjective;
   * afterwards premises draw either comparative and the model must relate the two adjectives.
   * Without it the antonym templates stayed at chance for 9,000+ steps (model card). 0: none.
   */
  fixedPremiseSteps: number;
}

export interface OptimiserSpec {
  steps: number;
  batchSize: number;
  /** Peak learning rate, reached after `warmupSteps` linear warm-up steps. */
  learningRate: number;
  warmupSteps: number;
  /** Cosine decay from the peak to `learningRate * finalLrFraction` at the last step. */
  finalLrFraction: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled (AdamW) weight decay on the projection matrices. */
  weightDecay: number;
  /** Global gradient-norm clip. */
  clipNorm: number;
}

export interface InitSpec {
  /** Std of the projection matrices (GPT-2: 0.02). */
  std: number;
  /** Std of the token embedding: larger than GPT-2's avoids long plateaus in tiny models. */
  embeddingStd: number;
  /** Std of the position embedding (smaller than the token embedding keeps token identity dominant). */
  positionStd: number;
}

export interface TrainingRecipe {
  seed: number;
  architecture: ArchitectureSpec;
  data: DataMix;
  optimiser: OptimiserSpec;
  init: InitSpec;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A recipe with `overrides` merged over `base` field by field (objects recursively; arrays and
 * scalars replace). An override naming a field the base lacks is refused, so a typo cannot
 * silently train the base recipe. `data.templates` is optional in the base and may be added.
 */
/** Optional fields an override may add although the base lacks them. */
const OPTIONAL_FIELDS = ['data.templates', 'data.restrictTemplatesUntil'];

export function mergeRecipe(base: TrainingRecipe, overrides: Record<string, unknown>): TrainingRecipe {
  const merge = (b: Record<string, unknown>, o: Record<string, unknown>, where: string): Record<string, unknown> => {
    const out: Record<string, unknown> = structuredClone(b);
    for (const [key, value] of Object.entries(o)) {
      const at = where ? `${where}.${key}` : key;
      if (!(key in b) && !OPTIONAL_FIELDS.includes(at)) throw new Error(`recipe override: unknown field "${at}"`);
      out[key] = isPlainObject(value) && isPlainObject(b[key]) && at !== 'data.tasks' ? merge(b[key], value, at) : value;
    }
    return out;
  };
  return merge(base as unknown as Record<string, unknown>, overrides, '') as unknown as TrainingRecipe;
}
