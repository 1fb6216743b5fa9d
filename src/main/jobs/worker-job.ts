/**
 * Runs one job inside its worker thread: opens its own connection, imports the handler,
 * gives it a context (progress, cancellation, checkpoints), and writes the outcome:
 * results + 'done' in one transaction, or 'failed' with the error, or 'cancelled' with no result.
 */
import type { MessagePort } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { openWorkerConnection, RunRepo, type Json, type ResultInput } from '../store';
import { JobCancelledError } from './errors';
import { checkFiniteResults } from './finiteResults';
import type { JobContext, JobHandler, JobOutput, MainToWorker, WorkerJob, WorkerToMain } from './types';

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
}

async function loadHandler(job: WorkerJob): Promise<JobHandler> {
  const mod = (await import(job.handlerModule)) as Record<string, unknown>;
  const handler = mod[job.exportName];
  if (typeof handler !== 'function') throw new Error(`job kind "${job.kind}": ${job.handlerModule} has no function export "${job.exportName}"`);
  return handler as JobHandler;
}

function makeContext(job: WorkerJob, runs: RunRepo, controller: AbortController, port: MessagePort): JobContext {
  let lastFraction = 0;
  let lastWrite = 0;
  return {
    runId: job.runId,
    signal: controller.signal,
    resumeState: job.resumeState,
    throwIfCancelled: () => controller.signal.throwIfAborted(),
    progress(fraction, message) {
      lastFraction = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
      port.postMessage({ type: 'progress', fraction: lastFraction, message } satisfies WorkerToMain);
      const now = performance.now();
      if (now - lastWrite >= job.progressWriteIntervalMs) {
        lastWrite = now;
        runs.setProgress(job.runId, lastFraction, message);
      }
    },
    checkpoint(state: Json) {
      if (!runs.saveCheckpoint(job.runId, state, lastFraction)) {
        // The main thread already ended this run (forced cancel): stop the handler.
        controller.abort(new JobCancelledError(job.runId));
        controller.signal.throwIfAborted();
      }
    },
  };
}

function asResults(output: JobOutput | undefined): ResultInput[] {
  if (output === undefined) return [{ summary: null }];
  return Array.isArray(output) ? output : [output];
}

export async function runJob(job: WorkerJob, port: MessagePort): Promise<void> {
  const controller = new AbortController();
  port.on('message', (msg: MainToWorker) => {
    if (msg.type === 'cancel' && !controller.signal.aborted) controller.abort(new JobCancelledError(job.runId));
  });
  let db: Database.Database | undefined;
  let outcome: WorkerToMain;
  try {
    db = openWorkerConnection(job.dbPath, job.busyTimeoutMs);
    const runs = new RunRepo(db);
    const handler = await loadHandler(job);
    const ctx = makeContext(job, runs, controller, port);
    controller.signal.throwIfAborted();
    const output = await handler(job.params, ctx);
    // A cancel that arrived while the handler finished still wins: no result is written.
    controller.signal.throwIfAborted();
    const results = asResults(output);
    checkFiniteResults(results);
    outcome = runs.complete(job.runId, results)
      ? { type: 'finished', status: 'done' }
      : { type: 'finished', status: 'cancelled', error: 'the run was ended elsewhere before its result was written' };
  } catch (err) {
    const cancelled = err instanceof JobCancelledError || controller.signal.aborted;
    outcome = cancelled ? { type: 'finished', status: 'cancelled' } : { type: 'finished', status: 'failed', error: errorText(err) };
    try {
      if (db) {
        const runs = new RunRepo(db);
        if (cancelled) runs.cancel(job.runId);
        else runs.fail(job.runId, outcome.error ?? 'unknown error');
      }
    } catch {
      // The main thread sees the run still 'running' after the worker exits and records the outcome itself.
    }
  } finally {
    db?.close();
  }
  port.postMessage(outcome);
}
