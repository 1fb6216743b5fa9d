/**
 * New study, the plain parts: the form's defaults, the output folder it proposes, which project
 * models it offers, the params it sends to study.run, and where a finished study's report is.
 */
import type { ParamsOf } from '../../../shared/api/operations';
import type { ModelEntry, RunEntry } from '../../../shared/api/projectTypes';
import { studyReportUrl } from '../../../shared/studyReport';
import { STUDY_NUMBER_PARAMS, studyNumberProblem, type StudyNumberKey, type StudyNumberParam } from '../../../shared/studyParams';

/** The numeric parameters under "More parameters": all but n and seed, which the form asks first. */
export const MORE_STUDY_PARAMS: readonly StudyNumberParam[] = STUDY_NUMBER_PARAMS.filter((p) => p.key !== 'n' && p.key !== 'seed');

const specOf = (key: StudyNumberKey): StudyNumberParam => STUDY_NUMBER_PARAMS.find((p) => p.key === key)!;

/** A numeric parameter's default (shared/studyParams.ts, the study's own). */
export function studyDefault(key: StudyNumberKey): number {
  return specOf(key).default;
}

/** What the form and its errors call a numeric parameter. */
export function studyParamLabel(key: StudyNumberKey): string {
  return specOf(key).label;
}

/** The defaults of MORE_STUDY_PARAMS, by key. */
export function moreStudyDefaults(): Record<string, number> {
  return Object.fromEntries(MORE_STUDY_PARAMS.map((p) => [p.key, p.default]));
}

/** The folder part of a file path, either separator (the renderer has no node:path). */
export function folderOf(file: string): string {
  const cut = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return cut > 0 ? file.slice(0, cut) : cut === 0 ? file.slice(0, 1) : '.';
}

const pad = (x: number): string => String(x).padStart(2, '0');

/** `<project folder>/studies/<task>-<YYYYMMDD-HHMMSS>` (UTC): a fresh folder beside the project file, which serve mode allows. */
export function defaultStudyFolder(projectPath: string, task: string, when: Date): string {
  const sep = projectPath.includes('\\') && !projectPath.includes('/') ? '\\' : '/';
  const stamp = `${when.getUTCFullYear()}${pad(when.getUTCMonth() + 1)}${pad(when.getUTCDate())}-${pad(when.getUTCHours())}${pad(when.getUTCMinutes())}${pad(when.getUTCSeconds())}`;
  return `${folderOf(projectPath)}${sep}studies${sep}${task}-${stamp}`;
}

/** A model the form offers: folders only (a study loads each model from its folder), the loaded model always. */
export interface StudyModelChoice {
  id: number;
  name: string;
  path: string | null;
  loaded: boolean;
}

export function studyModelChoices(models: readonly ModelEntry[]): StudyModelChoice[] {
  return models
    .filter((m) => m.loaded || m.path !== null)
    .map((m) => ({ id: m.id, name: m.name, path: m.path, loaded: m.loaded }))
    .sort((a, b) => Number(b.loaded) - Number(a.loaded) || a.id - b.id);
}

/**
 * study.run's params, or the reason it cannot start. The loaded model alone goes as the API's
 * default (no modelDirs: it is recorded with the loaded model's hash); any other choice lists
 * folders. Of `more` (MORE_STUDY_PARAMS by key) only the values that differ from their default
 * are sent, so the run's options show what the user changed.
 */
export function studyParams(input: { task: string; outDir: string; n: number; seed: number; corruption?: string; more?: Readonly<Record<string, number>>; chosen: readonly StudyModelChoice[] }): ParamsOf<'study.run'> | { problem: string } {
  const outDir = input.outDir.trim();
  if (!input.task) return { problem: 'Choose a task.' };
  if (!outDir) return { problem: 'Give an output folder.' };
  const changed: Record<string, number> = {};
  for (const p of STUDY_NUMBER_PARAMS) {
    // an emptied field is a problem, not the default
    const value: unknown = p.key === 'n' ? input.n : p.key === 'seed' ? input.seed : input.more && p.key in input.more ? input.more[p.key] : p.default;
    const problem = studyNumberProblem(p, value);
    if (problem) return { problem };
    if (p.key !== 'n' && p.key !== 'seed' && value !== p.default) changed[p.key] = value as number;
  }
  if (input.chosen.length === 0) return { problem: 'Choose at least one model.' };
  if (input.chosen.length > 8) return { problem: 'A study takes at most 8 models.' };
  const corruption = input.corruption ? { corruption: input.corruption as NonNullable<ParamsOf<'study.run'>['corruption']> } : {};
  const base = { task: input.task as ParamsOf<'study.run'>['task'], outDir, n: input.n, seed: input.seed, ...corruption, ...(Object.keys(changed).length > 0 ? { params: changed } : {}) };
  if (input.chosen.length === 1 && input.chosen[0].loaded) return base;
  const unsaved = input.chosen.find((m) => m.path === null);
  if (unsaved) return { problem: `${unsaved.name} has no folder on disk (an edited model): export it first, or study it alone while it is loaded.` };
  return { ...base, modelDirs: input.chosen.map((m) => m.path as string) };
}

/** A study run's folder and report (from its options), with the report's address in the browser, or null for other runs. */
export function studyReportOf(run: Pick<RunEntry, 'id' | 'kind' | 'status' | 'options'>): { outDir: string; report: string; url: string | null } | null {
  const outDir = run.options.outDir;
  if (run.kind !== 'study.run' || typeof outDir !== 'string') return null;
  const sep = outDir.includes('\\') && !outDir.includes('/') ? '\\' : '/';
  return { outDir, report: `${outDir.replace(/[/\\]+$/, '')}${sep}report.html`, url: run.status === 'done' ? studyReportUrl(run.id) : null };
}

/** What a study section run is, for run lists: " · patching · default-model (study #4)"; empty for other runs. */
export function studySectionSuffix(run: Pick<RunEntry, 'kind' | 'options'>): string {
  const { section, model, studyRunId } = run.options;
  if (run.kind !== 'study.section' || typeof section !== 'string') return '';
  return ` · ${section}${typeof model === 'string' ? ` · ${model}` : ''}${typeof studyRunId === 'number' ? ` (study #${studyRunId})` : ''}`;
}
