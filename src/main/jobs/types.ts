/**
 * The contract between the job runner and job handlers, and the messages the main thread and
 * a job's worker thread exchange (a tagged union; nothing else crosses the boundary).
 */
import type { Json, ResultInput } from '../store';

/** What a handler gets besides its parameters. */
export interface JobContext {
  readonly runId: number;
  /** Report progress in [0, 1]; shown live and persisted (throttled) in runs.progress. */
  progress(fraction: number, message?: string): void;
  /** Aborted when the job is cancelled; its reason is a JobCancelledError, so `signal.throwIfAborted()` throws that. */
  readonly signal: AbortSignal;
  /** Throws JobCancelledError once cancellation was requested. Call it between steps. */
  throwIfCancelled(): void;
  /** Persist `state` atomically as the run's checkpoint; a resumed run receives it as `resumeState`. */
  checkpoint(state: Json): void;
  /** The last checkpoint when this run is being resumed; undefined on a fresh start. */
  readonly resumeState: Json | undefined;
}

/** One result, or several named ones; written in one transaction with status 'done'. */
export type JobOutput = ResultInput | ResultInput[];

export type JobHandler<P = Json> = (params: P, ctx: JobContext) => Promise<JobOutput>;

/** Everything a worker needs to run one job (passed as workerData). */
export interface WorkerJob {
  dbPath: string;
  runId: number;
  kind: string;
  handlerModule: string;
  exportName: string;
  params: Json;
  resumeState: Json | undefined;
  busyTimeoutMs: number;
  /** Minimum time between progress writes to the database. */
  progressWriteIntervalMs: number;
}

export type MainToWorker = { type: 'cancel' };

export type WorkerToMain =
  | { type: 'progress'; fraction: number; message?: string }
  | { type: 'finished'; status: 'done' | 'failed' | 'cancelled'; error?: string };
