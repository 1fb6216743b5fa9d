/**
 * Running a job kind on the open project's JobRunner from an API call: progress is forwarded to
 * the caller, the caller's cancel cancels the run, and the outcome becomes a result or an
 * ApiError in plain words. The run and its result are in the project either way.
 */
import { ApiError } from '../../shared/api/errors';
import type { Progress } from '../../shared/api/protocol';
import type { RunRecord, StartOptions } from './jobTypes';
import type { OpenProject } from './project/openProject';
import { plainJobError } from './project/views';

/** Progress crosses the API as integers: thousandths of the job. */
const PROGRESS_UNITS = 1000;

export interface RunJobOptions extends StartOptions {
  signal: AbortSignal;
  progress: (p: Progress) => void;
}

export async function runJobToEnd(project: OpenProject, kind: string, params: object, options: RunJobOptions): Promise<RunRecord> {
  const { signal, progress, ...start } = options;
  if (signal.aborted) throw new ApiError('cancelled', `${kind} was cancelled`);
  const handle = project.runner.start(kind, params, start);
  const stop = project.runner.onEvent((event) => {
    if (event.runId !== handle.runId || event.type !== 'progress') return;
    progress({ done: Math.round(event.fraction * PROGRESS_UNITS), total: PROGRESS_UNITS, message: event.message });
  });
  // Listen before the first report: a caller may cancel from inside its progress callback.
  const onAbort = (): void => void project.runner.cancel(handle.runId);
  signal.addEventListener('abort', onAbort, { once: true });
  progress({ done: 0, total: PROGRESS_UNITS, message: 'Queued' });
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
