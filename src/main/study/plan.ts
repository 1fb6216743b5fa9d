/**
 * A study's plan: the task, the models, and every parameter of every section. The plan is the
 * first thing study.json records; `study --rerun` reads it back (checked here field by field) and
 * runs it again. Defaults live in DEFAULT_PARAMS, once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TASK_NAMES, type Split, type TaskName } from '../datasets/types';

export const STUDY_FORMAT = 'circuit-workbench.study/1';
export const STUDY_JOB_KIND = 'study.run';
/** Job kind of the per-section runs a study leaves in the project beside its own run. */
export const STUDY_SECTION_RUN_KIND = 'study.section';

export interface StudyModelSpec {
  /** How the report names the model ("A", "default-model"). */
  label: string;
  dir: string;
}

export interface StudyParams {
  /** Prompts per model (clean/corrupted pairs) for every analysis. */
  n: number;
  seed: number;
  split: Split;
  /** Only these template ids (opt-in ones allowed); empty = the task's defaults. */
  templates: string[];
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

export const DEFAULT_PARAMS: StudyParams = {
  n: 32,
  seed: 0,
  split: 'heldout',
  templates: [],
  topHeads: 3,
  topNeurons: 5,
  copyK: 5,
  acdcTau: 0.05,
  acdcMaxBatch: 32,
  acdcStartTopN: 0,
  eapIgSteps: 5,
  completenessSamples: 10,
  completenessGreedySteps: 3,
  completenessSeed: 0,
  romeSteps: 20,
  romeLr: 0.5,
  romeWeightDecay: 0.1,
  romeContexts: 4,
  editParaphrases: 8,
  editNeighbours: 8,
  editSeed: 101,
  predictionPrompts: 5,
};

export interface StudyPlan {
  format: typeof STUDY_FORMAT;
  task: TaskName;
  models: StudyModelSpec[];
  params: StudyParams;
}

export class StudyPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyPlanError';
  }
}

/** Labels from folder names, made unique with a suffix (two copies of "default-model" become "default-model", "default-model-2"). */
export function labelModels(dirs: readonly string[]): StudyModelSpec[] {
  const seen = new Map<string, number>();
  return dirs.map((d) => {
    const base = path.basename(path.resolve(d));
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return { label: count === 1 ? base : `${base}-${count}`, dir: path.resolve(d) };
  });
}

const INT_RANGES: Partial<Record<keyof StudyParams, [number, number]>> = {
  n: [1, 4096], seed: [0, 2 ** 31], topHeads: [1, 64], topNeurons: [1, 256], copyK: [1, 1000], acdcMaxBatch: [1, 4096], acdcStartTopN: [0, 10_000_000], eapIgSteps: [1, 1000],
  completenessSamples: [0, 1000], completenessGreedySteps: [0, 100], completenessSeed: [0, 2 ** 31], romeSteps: [1, 10_000], romeContexts: [0, 64],
  editParaphrases: [0, 256], editNeighbours: [0, 256], editSeed: [0, 2 ** 31], predictionPrompts: [1, 256],
};
const NUMBER_RANGES: Partial<Record<keyof StudyParams, [number, number]>> = { acdcTau: [0, 1e6], romeLr: [1e-6, 1e3], romeWeightDecay: [0, 1e3] };

/** A plan from loose input (CLI options, API params, a study.json): defaults filled, every field checked. `where` names the source in errors. */
export function makePlan(input: { task: unknown; models: unknown; params?: Record<string, unknown> }, where: string): StudyPlan {
  if (typeof input.task !== 'string' || !(TASK_NAMES as readonly string[]).includes(input.task)) {
    throw new StudyPlanError(`${where}: task must be one of ${TASK_NAMES.join(', ')}, got ${JSON.stringify(input.task)?.slice(0, 40)}`);
  }
  if (!Array.isArray(input.models) || input.models.length === 0) throw new StudyPlanError(`${where}: models must list at least one model`);
  const models = input.models.map((m, i): StudyModelSpec => {
    const spec = m as Partial<StudyModelSpec> | null;
    if (!spec || typeof spec.label !== 'string' || !spec.label || typeof spec.dir !== 'string' || !spec.dir) throw new StudyPlanError(`${where}: models[${i}] needs a label and a dir`);
    return { label: spec.label, dir: spec.dir };
  });
  if (new Set(models.map((m) => m.label)).size !== models.length) throw new StudyPlanError(`${where}: model labels must be unique`);
  const given = input.params ?? {};
  const params: StudyParams = { ...DEFAULT_PARAMS };
  for (const [key, value] of Object.entries(given)) {
    if (!(key in DEFAULT_PARAMS)) throw new StudyPlanError(`${where}: unknown parameter "${key.slice(0, 40)}"`);
    const k = key as keyof StudyParams;
    if (value === undefined) continue;
    if (k === 'split') {
      if (value !== 'train' && value !== 'heldout' && value !== 'all') throw new StudyPlanError(`${where}: params.split must be train, heldout or all`);
      params.split = value;
    } else if (k === 'templates') {
      if (!Array.isArray(value) || !value.every((t) => typeof t === 'string')) throw new StudyPlanError(`${where}: params.templates must be a list of template ids`);
      params.templates = [...value] as string[];
    } else {
      const range = INT_RANGES[k] ?? NUMBER_RANGES[k];
      const isInt = k in INT_RANGES;
      if (typeof value !== 'number' || !Number.isFinite(value) || (isInt && !Number.isInteger(value)) || !range || value < range[0] || value > range[1]) {
        throw new StudyPlanError(`${where}: params.${k} must be ${isInt ? 'an integer' : 'a number'} in ${range?.[0]}..${range?.[1]}, got ${JSON.stringify(value)?.slice(0, 40)}`);
      }
      (params as unknown as Record<string, number>)[k] = value;
    }
  }
  return { format: STUDY_FORMAT, task: input.task as TaskName, models, params };
}

/** Refuse a plan whose model folders are not model folders (before any job starts), naming the first. */
export function checkModelDirs(plan: StudyPlan): void {
  for (const m of plan.models) if (!existsSync(path.join(m.dir, 'config.json'))) throw new StudyPlanError(`${m.dir}: not a model folder (no config.json)`);
}
