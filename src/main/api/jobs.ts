/**
 * Running a job kind on the open project's JobRunner from an API call: progress is forwarded to
 * the caller, the caller's explicit cancel cancels the run, and the outcome becomes a result or
 * an ApiError in plain words. The run and its result are in the project either way.
 *
 * Jobs belong to the back end, not to a page: when the caller's connection goes away (reload,
 * closed tab, dropped socket) the run keeps going, and the handler still finishes its work
 * (e.g. saving an edit) when the run ends; only the reply is lost.
 */
import { ApiError } from '../../shared/api/errors';
import type { Progress } from '../../shared/api/protocol';
import type { JobHandle } from '../jobs';
import { isPeerGone } from './connection';
import type { RunRecord, StartOptions } from './jobTypes';
import type { OpenProject } from './project/openProject';
import { plainJobError } from './project/views';

/** Progress crosses the API as integers: thousandths of the job. */
export const PROGRESS_UNITS = 1000;

export interface RunJobOptions extends StartOptions {
  signal: AbortSignal;
  progress: (p: Progress) => void;
}

export async function runJobToEnd(project: OpenProject, kind: string, params: object, options: RunJobOptions): Promise<RunRecord> {
  const { signal, progress, ...start } = options;
  if (signal.aborted) throw new ApiError('cancelled', `${kind} was cancelled`);
  return followJob(project, kind, project.runner.start(kind, params, start), { signal, progress });
}

/** Follow a started (or resumed) run to its end; see runJobToEnd. */
export async function followJob(project: OpenProject, kind: string, handle: JobHandle, options: Pick<RunJobOptions, 'signal' | 'progress'>): Promise<RunRecord> {
  const { signal, progress } = options;
  const { runId } = handle;
  const report = (p: Progress): void => {
    // A gone peer gets no more replies; the run's progress still goes to every other connection.
    if (!signal.aborted) progress({ ...p, runId });
  };
  const stop = project.runner.onEvent((event) => {
    if (event.runId !== runId || event.type !== 'progress') return;
    report({ done: Math.round(event.fraction * PROGRESS_UNITS), total: PROGRESS_UNITS, message: event.message });
  });
  // Listen before the first report: a caller may cancel from inside its progress callback.
  const onAbort = (): void => {
    if (!isPeerGone(signal)) void project.runner.cancel(runId);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  report({ done: 0, total: PROGRESS_UNITS, message: 'Queued' });
  try {
    const record = await handle.done;
    if (record.status === 'done') return record;
    if (record.status === 'cancelled') throw new ApiError('cancelled', `${kind} (run ${record.id}) was cancelled`);
    throw new ApiError('failed', plainJobError(record.error) ?? `${kind} (run ${record.id}) ended as ${record.status}`);
  } finally {
    stop();
    signal.removeEventListener('abort', onAbort);
  }
}
