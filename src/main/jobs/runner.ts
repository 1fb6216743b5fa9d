/**
 * JobRunner: owned by the main process; runs each job in its own worker thread so the main
 * thread never blocks. Jobs queue up to `maxConcurrent`; each reports progress events, can be
 * cancelled (cooperatively, then by terminating the worker after a grace period), and can be
 * resumed from its last checkpoint after it was cancelled or interrupted.
 */
import { Worker } from 'node:worker_threads';
import type { ProjectStore, RunRecord, RunStatus } from '../store';
import { JobStateError } from './errors';
import type { JobRegistry } from './registry';
import type { MainToWorker, WorkerJob, WorkerToMain } from './types';
import { defaultWorkerEntry, type WorkerEntry } from './worker-location';

export type JobEvent =
  | { type: 'status'; runId: number; status: RunStatus; error?: string | null }
  | { type: 'progress'; runId: number; fraction: number; message?: string };

export interface JobRunnerOptions {
  store: ProjectStore;
  registry: JobRegistry;
  /** Jobs running at once (default 1: the machines this targets have few cores). */
  maxConcurrent?: number;
  /** After a cancel request, how long a handler may take to stop before its worker is terminated (ms). */
  cancelGraceMs?: number;
  /** Override where the worker entry lives (for bundles). */
  workerEntry?: WorkerEntry;
  /** Minimum time between progress writes to the database (ms, default 250). */
  progressWriteIntervalMs?: number;
}

export interface StartOptions {
  modelHash?: string;
  datasetHash?: string;
  backend?: string;
}

export interface JobHandle {
  runId: number;
  /** Settles once the run reached a final state (done, failed or cancelled); never rejects. */
  done: Promise<RunRecord>;
}

interface Active {
  worker: Worker;
  cancelRequested: boolean;
  finished?: WorkerToMain & { type: 'finished' };
  graceTimer?: NodeJS.Timeout;
}

export class JobRunner {
  private readonly store: ProjectStore;
  private readonly registry: JobRegistry;
  private readonly maxConcurrent: number;
  private readonly cancelGraceMs: number;
  private readonly entry: WorkerEntry;
  private readonly progressWriteIntervalMs: number;
  private readonly pending: number[] = [];
  private readonly active = new Map<number, Active>();
  private readonly waiters = new Map<number, Array<(r: RunRecord) => void>>();
  private readonly listeners = new Set<(e: JobEvent) => void>();

  constructor(opts: JobRunnerOptions) {
    this.store = opts.store;
    this.registry = opts.registry;
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 1);
    this.cancelGraceMs = opts.cancelGraceMs ?? 5000;
    this.entry = opts.workerEntry ?? defaultWorkerEntry();
    this.progressWriteIntervalMs = opts.progressWriteIntervalMs ?? 250;
  }

  /** Record a new run (status 'queued') and schedule it. */
  start(kind: string, params: object, opts: StartOptions = {}): JobHandle {
    this.registry.get(kind);
    const run = this.store.runs.create({ kind, params, ...opts });
    return this.schedule(run.id);
  }

  /** Restart an interrupted or cancelled run; its handler receives the last checkpoint as resumeState. */
  resume(runId: number): JobHandle {
    const run = this.store.runs.get(runId);
    this.registry.get(run.kind);
    if (this.active.has(runId) || this.pending.includes(runId)) throw new JobStateError(`run ${runId} is already queued or running`);
    if (!this.store.runs.requeue(runId)) throw new JobStateError(`run ${runId} is ${run.status}; only interrupted or cancelled runs can be resumed`);
    return this.schedule(runId);
  }

  /** Request cancellation. Returns false when the run is not queued or running here. */
  cancel(runId: number): boolean {
    const queuedAt = this.pending.indexOf(runId);
    if (queuedAt >= 0) {
      this.pending.splice(queuedAt, 1);
      this.store.runs.cancel(runId);
      this.settle(runId);
      return true;
    }
    const a = this.active.get(runId);
    if (!a || a.cancelRequested) return Boolean(a);
    a.cancelRequested = true;
    a.worker.postMessage({ type: 'cancel' } satisfies MainToWorker);
    a.graceTimer = setTimeout(() => void a.worker.terminate(), this.cancelGraceMs);
    return true;
  }

  /** The final record of a run, once it has one. */
  wait(runId: number): Promise<RunRecord> {
    if (!this.active.has(runId) && !this.pending.includes(runId)) return Promise.resolve(this.store.runs.get(runId));
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  onEvent(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Run ids queued or running in this runner. */
  activeRunIds(): number[] {
    return [...this.active.keys(), ...this.pending];
  }

  /** Cancel everything and wait until every worker has exited (call before closing the store). */
  async shutdown(): Promise<void> {
    const ids = this.activeRunIds();
    for (const id of [...this.pending]) this.cancel(id);
    for (const id of this.active.keys()) this.cancel(id);
    await Promise.all(ids.map((id) => this.wait(id)));
  }

  private schedule(runId: number): JobHandle {
    this.pending.push(runId);
    const done = this.wait(runId);
    this.emit({ type: 'status', runId, status: 'queued' });
    this.pump();
    return { runId, done };
  }

  private pump(): void {
    while (this.active.size < this.maxConcurrent && this.pending.length > 0) {
      const runId = this.pending.shift() as number;
      try {
        this.launch(runId);
      } catch (err) {
        this.store.runs.fail(runId, err instanceof Error ? err.message : String(err));
        this.settle(runId);
      }
    }
  }

  private launch(runId: number): void {
    const run = this.store.runs.get(runId);
    const ref = this.registry.get(run.kind);
    const resumeState = this.store.runs.checkpoint(runId);
    if (!this.store.runs.markRunning(runId)) throw new JobStateError(`run ${runId} could not start from status ${run.status}`);
    const job: WorkerJob = {
      dbPath: this.store.file,
      runId,
      kind: run.kind,
      handlerModule: ref.module,
      exportName: ref.exportName,
      params: run.params,
      resumeState,
      busyTimeoutMs: this.store.busyTimeoutMs,
      progressWriteIntervalMs: this.progressWriteIntervalMs,
    };
    const worker = new Worker(this.entry.spec, { eval: this.entry.eval ?? false, workerData: job, execArgv: this.entry.execArgv });
    const a: Active = { worker, cancelRequested: false };
    this.active.set(runId, a);
    this.emit({ type: 'status', runId, status: 'running' });
    worker.on('message', (msg: WorkerToMain) => {
      if (msg.type === 'progress') this.emit({ type: 'progress', runId, fraction: msg.fraction, message: msg.message });
      else if (msg.type === 'finished') {
        a.finished = msg;
        void worker.terminate();
      }
    });
    worker.on('error', (err) => {
      a.finished ??= { type: 'finished', status: 'failed', error: err.stack ?? err.message };
    });
    worker.on('exit', (code) => this.onExit(runId, a, code));
  }

  private onExit(runId: number, a: Active, code: number): void {
    clearTimeout(a.graceTimer);
    this.active.delete(runId);
    // The worker writes its own outcome; if it could not (killed, crashed), record one here.
    try {
      if (this.store.runs.get(runId).status === 'running') {
        if (a.cancelRequested) this.store.runs.cancel(runId);
        else this.store.runs.fail(runId, a.finished?.error ?? `the job's worker exited with code ${code} before finishing`);
      }
    } catch {
      // The store was closed under us; the next open marks the run interrupted.
    }
    this.settle(runId);
    this.pump();
  }

  private settle(runId: number): void {
    let record: RunRecord | undefined;
    try {
      record = this.store.runs.get(runId);
    } catch {
      record = undefined;
    }
    if (record) this.emit({ type: 'status', runId, status: record.status, error: record.error });
    const list = this.waiters.get(runId) ?? [];
    this.waiters.delete(runId);
    if (record) for (const resolve of list) resolve(record);
  }

  private emit(e: JobEvent): void {
    for (const l of this.listeners) l(e);
  }
}
