/**
 * Jobs as this window sees them. Project runs belong to the back end: every window and tab sees
 * every run with its live progress (job events), a page that reloads re-attaches to the runs still
 * going and shows those that finished meanwhile, and cancelling is explicit (run.cancel), never a
 * side effect of closing a page. Calls that are not project runs (model loading, exports) are
 * tracked by their request as before.
 */
import type { ApiClient } from '../../../shared/api/client';
import { ApiError, isCancelled, plainMessage } from '../../../shared/api/errors';
import type { OpName, ParamsOf, ResultOf } from '../../../shared/api/operations';
import type { RunEntry } from '../../../shared/api/projectTypes';
import type { JobEventView, Progress } from '../../../shared/api/protocol';
import { jobLabel, jobStateOf, RECENT_FINISHED_MS, RECORD_ONLY_KINDS, type JobState } from '../lib/jobs';

export type { JobState } from '../lib/jobs';

export interface Job {
  id: string;
  op: OpName | null;
  label: string;
  state: JobState;
  progress: Progress | null;
  error: string | null;
  startedAt: number;
  endedAt: number | null;
  /** The project run behind this job, once known: cancel, events and re-attaching go by it. */
  runId: number | null;
}

/** Finished jobs kept in the panel. */
const KEEP_FINISHED = 20;
const PROGRESS_UNITS = 1000;
const REATTACH_DELAY_MS = 1000;

export class JobsState {
  jobs = $state<Job[]>([]);
  runningCount = $derived(this.jobs.filter((j) => j.state === 'running').length);
  readonly #client: ApiClient;
  readonly #controllers = new Map<string, AbortController>();
  #next = 1;
  /** Called after every job ends (done, failed or cancelled), e.g. to refresh the project's runs. */
  onSettled: (() => void) | undefined;

  constructor(client: ApiClient) {
    this.#client = client;
    client.onEvent((event) => {
      if (event.kind === 'job') this.#onJobEvent(event.job);
    });
  }

  /** Show the project's runs that are still going (and those that finished a moment ago). */
  async attach(): Promise<void> {
    let runs: RunEntry[];
    try {
      runs = (await this.#client.call('run.list', { limit: 50 })).runs;
    } catch {
      return;
    }
    const now = Date.now();
    for (const run of [...runs].reverse()) {
      const state = jobStateOf(run.status);
      const ended = run.endedAt ? Date.parse(run.endedAt) : null;
      if (RECORD_ONLY_KINDS.has(run.kind) || (state !== 'running' && (ended === null || now - ended > RECENT_FINISHED_MS))) continue;
      const job = this.#byRun(run.id) ?? this.#add({ id: `run-${run.id}`, op: null, label: jobLabel(run.kind, run.id, run.datasetName), runId: run.id, startedAt: Date.parse(run.createdAt) });
      Object.assign(job, {
        state,
        progress: state === 'running' ? { done: Math.round(run.progress * PROGRESS_UNITS), total: PROGRESS_UNITS, message: run.progressMessage ?? undefined } : job.progress,
        error: run.error,
        endedAt: ended,
      });
    }
  }

  /** Start an operation as a job; resolves with its result, rejects with its error. */
  async run<K extends OpName>(op: K, params: ParamsOf<K>, label: string): Promise<ResultOf<K>> {
    const id = `job-${Date.now().toString(36)}-${this.#next++}`;
    const controller = new AbortController();
    this.#controllers.set(id, controller);
    this.#add({ id, op, label, runId: null, startedAt: Date.now() });
    try {
      const result = await this.#client.call(op, params, {
        id,
        signal: controller.signal,
        onProgress: (progress) => this.#progress(id, progress),
      });
      this.#update(id, { state: 'done', endedAt: Date.now() });
      return result;
    } catch (error) {
      const job = this.jobs.find((j) => j.id === id);
      if (job?.runId !== null && job?.runId !== undefined && error instanceof ApiError && error.code === 'transport') {
        // The connection dropped, not the run: it goes on in the back end; follow it by events.
        setTimeout(() => void this.attach(), REATTACH_DELAY_MS);
      } else {
        this.#update(id, isCancelled(error) ? { state: 'cancelled', endedAt: Date.now() } : { state: 'failed', error: plainMessage(error), endedAt: Date.now() });
      }
      throw error;
    } finally {
      this.#controllers.delete(id);
      this.#prune();
      this.onSettled?.();
    }
  }

  /** Cancel a job: a project run by its id (from any window), anything else by its request. */
  cancel(id: string): void {
    const job = this.jobs.find((j) => j.id === id);
    if (job?.runId != null) {
      this.#client.call('run.cancel', { runId: job.runId }).catch((error: unknown) => this.#update(id, { error: plainMessage(error) }));
      return;
    }
    this.#controllers.get(id)?.abort();
  }

  dismiss(id: string): void {
    this.jobs = this.jobs.filter((j) => j.id !== id || j.state === 'running');
  }

  #add(fields: Pick<Job, 'id' | 'op' | 'label' | 'runId' | 'startedAt'>): Job {
    this.jobs.unshift({ ...fields, state: 'running', progress: null, error: null, endedAt: null });
    return this.jobs[0];
  }

  #byRun(runId: number): Job | undefined {
    return this.jobs.find((j) => j.runId === runId);
  }

  #progress(id: string, progress: Progress): void {
    const job = this.jobs.find((j) => j.id === id);
    if (!job) return;
    if (progress.runId !== undefined && job.runId === null) {
      // Events may have shown this run already (they can arrive first): one entry per run.
      this.jobs = this.jobs.filter((j) => j.id === id || j.runId !== progress.runId);
      this.#update(id, { runId: progress.runId });
    }
    this.#update(id, { progress });
  }

  #onJobEvent(event: JobEventView): void {
    let job = this.#byRun(event.runId);
    if (!job) {
      if (event.status !== undefined && jobStateOf(event.status) !== 'running') return;
      job = this.#add({ id: `run-${event.runId}`, op: null, label: jobLabel(event.kind, event.runId, null), runId: event.runId, startedAt: Date.now() });
    }
    if (event.fraction !== undefined) job.progress = { done: Math.round(event.fraction * PROGRESS_UNITS), total: PROGRESS_UNITS, message: event.message, runId: event.runId };
    if (event.status !== undefined) {
      const state = jobStateOf(event.status);
      const wasRunning = job.state === 'running';
      job.state = state;
      if (state !== 'running') {
        job.endedAt ??= Date.now();
        if (event.error && !job.error) job.error = firstLine(event.error);
        // A job this page did not start (or whose call is gone) ends here.
        if (wasRunning && !this.#controllers.has(job.id)) this.onSettled?.();
      }
    }
  }

  #update(id: string, patch: Partial<Job>): void {
    const job = this.jobs.find((j) => j.id === id);
    if (job) Object.assign(job, patch);
  }

  #prune(): void {
    const finished = this.jobs.filter((j) => j.state !== 'running');
    if (finished.length > KEEP_FINISHED) {
      const drop = new Set(finished.slice(KEEP_FINISHED).map((j) => j.id));
      this.jobs = this.jobs.filter((j) => !drop.has(j.id));
    }
  }
}

const firstLine = (error: string): string => (error.split('\n').find((l) => l.trim() !== '') ?? error).replace(/^\s*[A-Za-z]*Error:\s*/, '').trim();

/** Fraction done for a progress bar, or null when the job has not said yet. */
export function fractionDone(job: Job): number | null {
  if (!job.progress || job.progress.total <= 0) return null;
  return Math.min(1, job.progress.done / job.progress.total);
}
