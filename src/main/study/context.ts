/**
 * What every per-model section receives: the open model, the task's items and their encoded
 * batch, the plan's parameters, and what earlier sections found (the top heads and the top MLP
 * from patching), so later sections study the same components.
 */
import type { PromptBatch } from '../analysis/promptBatch';
import type { TaskItem, TaskName } from '../datasets/types';
import type { ModelSession } from '../services/modelSession';
import type { StudyParams } from './plan';
import { SECTION_TITLES, type SectionKind, type StudyFigure, type StudySection, type StudyTable } from './types';

export interface TopHead {
  layer: number;
  head: number;
  /** L2H3 */
  label: string;
  /** Normalised head-patching effect (0 = corrupted, 1 = clean). */
  effect: number;
}

export interface Findings {
  topHeads: TopHead[];
  /** Every head's normalised patching effect, [L * H] row-major (empty before the patching section). */
  headEffects: number[];
  /** MLP layer with the largest |patching effect|; null for attention-only models. */
  topMlp: number | null;
}

export interface ModelContext {
  label: string;
  session: ModelSession;
  task: TaskName;
  items: TaskItem[];
  batch: PromptBatch;
  params: StudyParams;
  signal?: AbortSignal;
  found: Findings;
}

export type SectionRunner = (ctx: ModelContext) => Promise<StudySection>;

/** File-safe id piece from a model label. */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'model';
}

export function section(ctx: ModelContext, kind: SectionKind, text: string, figures: StudyFigure[], tables: StudyTable[]): StudySection {
  return { kind, model: ctx.label, title: SECTION_TITLES[kind], text, figures, tables };
}

/** An id unique in the study: section prefix, name, model. */
export const idOf = (ctx: ModelContext, name: string): string => `${name}-${slug(ctx.label)}`;

export const headLabel = (layer: number, head: number): string => `L${layer}H${head}`;

export const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
