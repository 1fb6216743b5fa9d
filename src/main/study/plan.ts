/**
 * A study's plan: the task, the models, and every parameter of every section. The plan is the
 * first thing study.json records; `study --rerun` reads it back (checked here field by field) and
 * runs it again. The numeric parameters, their defaults and ranges live in shared/studyParams.ts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CORRUPTIONS, DEFAULT_CORRUPTION } from '../datasets/generate';
import { TASK_NAMES, type Corruption, type TaskName } from '../datasets/types';
import { allowedStudyNumber, STUDY_NUMBER_PARAMS, type StudyNumberKey, type StudyParams } from '../../shared/studyParams';

export const STUDY_FORMAT = 'circuit-workbench.study/1';
export const STUDY_JOB_KIND = 'study.run';
/** Job kind of the per-section runs a study leaves in the project beside its own run. */
export const STUDY_SECTION_RUN_KIND = 'study.section';

export interface StudyModelSpec {
  /** How the report names the model ("A", "default-model"). */
  label: string;
  dir: string;
}

export type { StudyParams } from '../../shared/studyParams';

/** Every parameter's default: the shared registry's numbers, the held-out split, the task's own templates and corruption. */
export const DEFAULT_PARAMS: StudyParams = {
  split: 'heldout',
  templates: [],
  corruption: '',
  ...(Object.fromEntries(STUDY_NUMBER_PARAMS.map((p) => [p.key, p.default])) as Pick<StudyParams, StudyNumberKey>),
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

/**
 * Labels from folder names, or from `names[i]` where given (a Hugging Face id, whose snapshot folder
 * is named by a commit), made unique with a suffix (two copies of "default-model" become
 * "default-model", "default-model-2").
 */
export function labelModels(dirs: readonly string[], names: readonly (string | undefined)[] = []): StudyModelSpec[] {
  const seen = new Map<string, number>();
  return dirs.map((d, i) => {
    const base = names[i] ?? path.basename(path.resolve(d));
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return { label: count === 1 ? base : `${base}-${count}`, dir: path.resolve(d) };
  });
}

const NUMBER_PARAM = new Map(STUDY_NUMBER_PARAMS.map((p) => [p.key as string, p]));

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
    } else if (k === 'corruption') {
      const allowed = CORRUPTIONS[input.task as TaskName];
      if (typeof value !== 'string' || (value !== '' && !(allowed as readonly string[]).includes(value))) {
        throw new StudyPlanError(`${where}: params.corruption must be one of ${allowed.join(', ')} for task ${input.task as string} (empty: its default, ${allowed[0]}), got ${JSON.stringify(value)?.slice(0, 40)}`);
      }
      params.corruption = value;
    } else {
      const spec = NUMBER_PARAM.get(k)!;
      if (!allowedStudyNumber(spec, value)) throw new StudyPlanError(`${where}: params.${k} must be ${spec.integer ? 'an integer' : 'a number'} in ${spec.min}..${spec.max}, got ${JSON.stringify(value)?.slice(0, 40)}`);
      (params as unknown as Record<string, number>)[k] = value;
    }
  }
  return { format: STUDY_FORMAT, task: input.task as TaskName, models, params };
}

/** The corruption a plan's items are made with: its own, or the task's default when it names none. */
export function planCorruption(plan: Pick<StudyPlan, 'task' | 'params'>): Corruption {
  return (plan.params.corruption || DEFAULT_CORRUPTION[plan.task]) as Corruption;
}

/** Refuse a plan whose model folders are not model folders (before any job starts), naming the first. */
export function checkModelDirs(plan: StudyPlan): void {
  for (const m of plan.models) if (!existsSync(path.join(m.dir, 'config.json'))) throw new StudyPlanError(`${m.dir}: not a model folder (no config.json)`);
}
