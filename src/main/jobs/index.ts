/** The job runner's public surface. */
export { JobRunner, type JobEvent, type JobHandle, type JobRunnerOptions, type StartOptions } from './runner';
export { JobRegistry, type HandlerRef } from './registry';
export { JobCancelledError, JobStateError, UnknownJobKindError } from './errors';
export { defaultWorkerEntry, type WorkerEntry } from './worker-location';
export type { JobContext, JobHandler, JobOutput } from './types';
