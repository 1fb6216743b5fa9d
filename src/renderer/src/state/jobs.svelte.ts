/**
 * Long-running operations as jobs: each call gets an id, its progress is tracked, it can be
 * cancelled, and its failure is kept in plain words for the jobs panel.
 */
import type { ApiClient } from '../../../shared/api/client';
import { isCancelled, plainMessage } from '../../../shared/api/errors';
import type { OpName, ParamsOf, ResultOf } from '../../../shared/api/operations';
import type { Progress } from '../../../shared/api/protocol';

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  op: OpName;
  label: string;
  state: JobState;
  progress: Progress | null;
  error: string | null;
  startedAt: number;
  endedAt: number | null;
}

/** Finished jobs kept in the panel. */
const KEEP_FINISHED = 20;

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
  }

  /** Start an operation as a job; resolves with its result, rejects with its error. */
  async run<K extends OpName>(op: K, params: ParamsOf<K>, label: string): Promise<ResultOf<K>> {
    const id = `job-${Date.now().toString(36)}-${this.#next++}`;
    const controller = new AbortController();
    this.#controllers.set(id, controller);
    this.jobs.unshift({ id, op, label, state: 'running', progress: null, error: null, startedAt: Date.now(), endedAt: null });
    try {
      const result = await this.#client.call(op, params, {
        id,
        signal: controller.signal,
        onProgress: (progress) => this.#update(id, { progress }),
      });
      this.#update(id, { state: 'done', endedAt: Date.now() });
      return result;
    } catch (error) {
      this.#update(id, isCancelled(error) ? { state: 'cancelled', endedAt: Date.now() } : { state: 'failed', error: plainMessage(error), endedAt: Date.now() });
      throw error;
    } finally {
      this.#controllers.delete(id);
      this.#prune();
      this.onSettled?.();
    }
  }

  cancel(id: string): void {
    this.#controllers.get(id)?.abort();
  }

  dismiss(id: string): void {
    this.jobs = this.jobs.filter((j) => j.id !== id || j.state === 'running');
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

/** Fraction done for a progress bar, or null when the job has not said yet. */
export function fractionDone(job: Job): number | null {
  if (!job.progress || job.progress.total <= 0) return null;
  return Math.min(1, job.progress.done / job.progress.total);
}
