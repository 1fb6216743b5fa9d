/**
 * Runs: one row per job, with its parameters, provenance (model and dataset hashes, backend),
 * status, progress, timings, error and checkpoint. Status moves
 * queued -> running -> done | failed | cancelled, and running -> interrupted when the process
 * died; interrupted and cancelled runs can go back to running (resume). Every terminal move is
 * guarded by `WHERE status = 'running'`, so exactly one writer wins it.
 */
import type Database from 'better-sqlite3';
import { InvalidDataError, NoSuchRowError } from '../errors';
import { nowIso, parseJsonText, toJsonText, type Json } from '../values';
import { ResultRepo, type ResultInput } from './results';

export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['interrupted', 'cancelled'];

export interface RunRecord {
  id: number;
  kind: string;
  params: Json;
  modelHash: string | null;
  datasetHash: string | null;
  backend: string | null;
  status: RunStatus;
  progress: number;
  progressMessage: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  attempts: number;
  error: string | null;
  hasCheckpoint: boolean;
  checkpointAt: string | null;
}

export interface NewRun {
  kind: string;
  /** Any JSON-serialisable object (checked when stored). */
  params: object;
  modelHash?: string;
  datasetHash?: string;
  backend?: string;
}

interface RunRow {
  id: number;
  kind: string;
  params_json: string;
  model_hash: string | null;
  dataset_hash: string | null;
  backend: string | null;
  status: RunStatus;
  progress: number;
  progress_message: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  attempts: number;
  error: string | null;
  has_checkpoint: number;
  checkpoint_at: string | null;
}

const COLUMNS = `id, kind, params_json, model_hash, dataset_hash, backend, status, progress, progress_message, created_at,
  started_at, ended_at, attempts, error, checkpoint_json IS NOT NULL AS has_checkpoint, checkpoint_at`;

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    kind: r.kind,
    params: parseJsonText(r.params_json, `run ${r.id} params`),
    modelHash: r.model_hash,
    datasetHash: r.dataset_hash,
    backend: r.backend,
    status: r.status,
    progress: r.progress,
    progressMessage: r.progress_message,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    attempts: r.attempts,
    error: r.error,
    hasCheckpoint: r.has_checkpoint === 1,
    checkpointAt: r.checkpoint_at,
  };
}

function clampFraction(f: number, runId: number): number {
  if (!Number.isFinite(f)) throw new InvalidDataError(`run ${runId}: progress must be a finite number, got ${f}`);
  return Math.min(1, Math.max(0, f));
}

export class RunRepo {
  private readonly results: ResultRepo;

  constructor(private readonly db: Database.Database) {
    this.results = new ResultRepo(db);
  }

  create(run: NewRun): RunRecord {
    if (!run.kind || typeof run.kind !== 'string') throw new InvalidDataError('run: kind must be a non-empty string');
    const params = toJsonText(run.params, `run "${run.kind}" params`);
    const id = this.db.transaction(
      () =>
        this.db
          .prepare('INSERT INTO runs (kind, params_json, model_hash, dataset_hash, backend, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(run.kind, params, run.modelHash ?? null, run.datasetHash ?? null, run.backend ?? null, 'queued', nowIso()).lastInsertRowid,
    )();
    return this.get(Number(id));
  }

  get(id: number): RunRecord {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM runs WHERE id = ?`).get(id) as RunRow | undefined;
    if (!row) throw new NoSuchRowError('runs', id);
    return toRecord(row);
  }

  list(filter: { kind?: string; status?: RunStatus; limit?: number } = {}): RunRecord[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM runs WHERE (@kind IS NULL OR kind = @kind) AND (@status IS NULL OR status = @status) ORDER BY id DESC LIMIT @limit`)
      .all({ kind: filter.kind ?? null, status: filter.status ?? null, limit: filter.limit ?? -1 }) as RunRow[];
    return rows.map(toRecord);
  }

  /** The last checkpoint, or undefined when the run has none. */
  checkpoint(id: number): Json | undefined {
    const row = this.db.prepare('SELECT checkpoint_json FROM runs WHERE id = ?').get(id) as { checkpoint_json: string | null } | undefined;
    if (!row) throw new NoSuchRowError('runs', id);
    return row.checkpoint_json === null ? undefined : parseJsonText(row.checkpoint_json, `run ${id} checkpoint`);
  }

  /** queued | interrupted | cancelled -> running. Returns false when the run was in another state. */
  markRunning(id: number): boolean {
    return this.write(
      () =>
        this.db
          .prepare(
            `UPDATE runs SET status = 'running', started_at = ?, ended_at = NULL, error = NULL, attempts = attempts + 1
             WHERE id = ? AND status IN ('queued', 'interrupted', 'cancelled')`,
          )
          .run(nowIso(), id).changes === 1,
    );
  }

  /** interrupted | cancelled -> queued, keeping the checkpoint (resume). Returns false from any other state. */
  requeue(id: number): boolean {
    return this.write(
      () =>
        this.db
          .prepare("UPDATE runs SET status = 'queued', ended_at = NULL, error = NULL WHERE id = ? AND status IN ('interrupted', 'cancelled')")
          .run(id).changes === 1,
    );
  }

  setProgress(id: number, fraction: number, message?: string): void {
    const f = clampFraction(fraction, id);
    this.write(() => this.db.prepare("UPDATE runs SET progress = ?, progress_message = ? WHERE id = ? AND status = 'running'").run(f, message ?? null, id));
  }

  /** Replace the run's checkpoint (one statement: atomic). Returns false when the run is no longer running. */
  saveCheckpoint(id: number, state: Json, progress?: number): boolean {
    const text = toJsonText(state, `run ${id} checkpoint`);
    const f = progress === undefined ? null : clampFraction(progress, id);
    return this.write(
      () =>
        this.db
          .prepare("UPDATE runs SET checkpoint_json = ?, checkpoint_at = ?, progress = COALESCE(?, progress) WHERE id = ? AND status = 'running'")
          .run(text, nowIso(), f, id).changes === 1,
    );
  }

  /**
   * Write the results and status 'done' in one transaction. Returns false (and writes nothing)
   * when the run is no longer 'running', e.g. it was cancelled meanwhile.
   */
  complete(id: number, outputs: readonly ResultInput[]): boolean {
    return this.write(() => {
      const row = this.db.prepare('SELECT kind, status FROM runs WHERE id = ?').get(id) as { kind: string; status: RunStatus } | undefined;
      if (!row) throw new NoSuchRowError('runs', id);
      if (row.status !== 'running') return false;
      this.results.insertWithin(id, row.kind, outputs);
      this.db
        .prepare("UPDATE runs SET status = 'done', progress = 1, ended_at = ?, checkpoint_json = NULL, checkpoint_at = NULL WHERE id = ?")
        .run(nowIso(), id);
      return true;
    });
  }

  fail(id: number, error: string): boolean {
    return this.finish(id, 'failed', error);
  }

  /** running or queued -> cancelled; the checkpoint stays so the run can be resumed. */
  cancel(id: number): boolean {
    return this.finish(id, 'cancelled', null);
  }

  /** On open: every run a previous process left queued or running was interrupted. */
  markAllInterrupted(): number[] {
    return this.write(() => {
      const ids = (this.db.prepare("SELECT id FROM runs WHERE status IN ('queued', 'running') ORDER BY id").all() as Array<{ id: number }>).map((r) => r.id);
      this.db
        .prepare("UPDATE runs SET status = 'interrupted', ended_at = ?, error = 'the process that ran it exited before it finished' WHERE status IN ('queued', 'running')")
        .run(nowIso());
      return ids;
    });
  }

  remove(id: number): void {
    this.write(() => {
      if (this.db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes !== 1) throw new NoSuchRowError('runs', id);
    });
  }

  private finish(id: number, status: 'failed' | 'cancelled', error: string | null): boolean {
    return this.write(
      () =>
        this.db
          .prepare("UPDATE runs SET status = ?, error = ?, ended_at = ? WHERE id = ? AND status IN ('running', 'queued')")
          .run(status, error, nowIso(), id).changes === 1,
    );
  }

  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
