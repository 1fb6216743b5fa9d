/** Plain helpers for the jobs panel: a run's state as a job's, and its label. */
import { ANALYSIS_LABELS, JOB_KIND_LABELS, type AnalysisKind } from '../../../shared/api/analysisKinds';
import type { RunStatusView } from '../../../shared/api/projectTypes';

export type JobState = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/** Runs recorded beside a job (a study's sections), never run as one: not listed as jobs. */
export const RECORD_ONLY_KINDS: ReadonlySet<string> = new Set(['study.section']);

/** A page that re-attaches also shows the runs that ended this recently. */
export const RECENT_FINISHED_MS = 15 * 60 * 1000;

export function jobStateOf(status: RunStatusView): JobState {
  return status === 'queued' || status === 'running' ? 'running' : status;
}

export function kindLabel(kind: string): string {
  return ANALYSIS_LABELS[kind as AnalysisKind] ?? JOB_KIND_LABELS[kind] ?? kind;
}

export function jobLabel(kind: string, runId: number, datasetName: string | null): string {
  return `#${runId} ${kindLabel(kind)}${datasetName ? ` on ${datasetName}` : ''}`;
}
