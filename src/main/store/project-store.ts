/**
 * ProjectStore: one open `.cwb` project. Opening checks the file read-only first (SQLite?
 * ours? newer schema? intact?), then takes the project lock, migrates forward and marks runs
 * a dead process left running as interrupted, all in one transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { withSqliteBinding } from './sqliteBinding';
import { InvalidDataError, ProjectLockedError, ProjectNotFoundError, StoreError, isBusyError } from './errors';
import { applyMigrations, LATEST_SCHEMA_VERSION, schemaVersion } from './migrations';
import { checkWritable, projectPathKind } from './openChecks';
import { recordPendingExport, sweepInterruptedExports } from './pendingExports';
import { probeProjectFile, type IntegrityMode } from './probe';
import { describeHolder, HEARTBEAT_INTERVAL_MS, holderIsAlive, readLock, releaseLock, touchLock, writeLock } from './lock';
import { nowIso } from './values';
import { CircuitRepo } from './repos/circuits';
import { DatasetRepo } from './repos/datasets';
import { EditRepo } from './repos/edits';
import { ModelRepo } from './repos/models';
import { NoteRepo } from './repos/notes';
import { ResultRepo } from './repos/results';
import { RunRepo } from './repos/runs';

export const DEFAULT_BUSY_TIMEOUT_MS = 2000;
export const DEFAULT_APP_VERSION = '0.1.0';

export interface OpenOptions {
  /** Create the project when the file does not exist (default false). */
  create?: boolean;
  /** Project name for a new file (default: the file name without extension). */
  name?: string;
  /** App version recorded in a new file. */
  appVersion?: string;
  /** How long to wait for another connection's lock before giving up (ms). */
  busyTimeoutMs?: number;
  /** 'auto' (default): integrity_check up to 256 MiB, quick_check above. */
  integrity?: IntegrityMode;
}

export interface OpenReport {
  created: boolean;
  /** Schema version the file had before this open (equal to schemaVersion when nothing migrated). */
  migratedFrom: number;
  schemaVersion: number;
  check: 'integrity_check' | 'quick_check';
  checkMs: number;
  /** Runs a previous process left queued or running, now marked 'interrupted'. */
  interruptedRunIds: number[];
}

export interface ProjectInfo {
  name: string;
  createdAt: string;
  appVersion: string;
  schemaVersion: number;
  file: string;
}

/** Files open in this process (by real path): a second open would bypass the pid-based lock. */
const openInThisProcess = new Set<string>();

/** Apply the connection settings every writer uses. */
export function configureConnection(db: Database.Database): void {
  db.pragma('foreign_keys = ON');
  if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a crash of the app loses nothing committed; a power cut may lose the last commits but never corrupts.
  db.pragma('synchronous = NORMAL');
}

function createNewFile(file: string, opts: OpenOptions): void {
  // Build the file under a temporary name and link it into place: a crash never leaves a half-made project.
  const tmp = `${file}.creating-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  const db = new Database(tmp, withSqliteBinding({}));
  try {
    db.pragma('journal_mode = WAL');
    db.transaction(() => {
      applyMigrations(db);
      db.prepare('INSERT INTO project (id, name, created_at, app_version) VALUES (1, ?, ?, ?)').run(
        opts.name ?? path.basename(file).replace(/\.[^.]*$/, ''),
        nowIso(),
        opts.appVersion ?? DEFAULT_APP_VERSION,
      );
    }).immediate();
  } finally {
    db.close();
  }
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export class ProjectStore {
  readonly models: ModelRepo;
  readonly datasets: DatasetRepo;
  readonly circuits: CircuitRepo;
  readonly runs: RunRepo;
  readonly results: ResultRepo;
  readonly edits: EditRepo;
  readonly notes: NoteRepo;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
    readonly report: OpenReport,
    readonly busyTimeoutMs: number,
    private readonly realPath: string,
  ) {
    this.models = new ModelRepo(db);
    this.datasets = new DatasetRepo(db);
    this.circuits = new CircuitRepo(db);
    this.runs = new RunRepo(db);
    this.results = new ResultRepo(db);
    this.edits = new EditRepo(db);
    this.notes = new NoteRepo(db);
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  static open(file: string, opts: OpenOptions = {}): ProjectStore {
    const abs = path.resolve(file);
    sweepInterruptedExports();
    let created = false;
    // stat only: a FIFO, device, directory or dangling link is refused before anything opens it.
    if (projectPathKind(abs) === 'missing') {
      if (!opts.create) throw new ProjectNotFoundError(abs);
      createNewFile(abs, opts);
      created = true;
    }
    checkWritable(abs);
    const key = fs.realpathSync(abs);
    if (openInThisProcess.has(key)) throw new ProjectLockedError(abs, 'it is already open in this process');
    const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    const probe = probeProjectFile(abs, { integrity: opts.integrity, busyTimeoutMs });

    let db: Database.Database | undefined;
    try {
      db = new Database(abs, withSqliteBinding({ fileMustExist: true, timeout: busyTimeoutMs }));
      configureConnection(db);
      const conn = db;
      const { from, interrupted } = conn.transaction(() => {
        const holder = readLock(conn);
        if (holder && holderIsAlive(holder)) throw new ProjectLockedError(abs, describeHolder(holder));
        const before = applyMigrations(conn);
        if (before !== LATEST_SCHEMA_VERSION) {
          const violations = conn.pragma('foreign_key_check') as unknown[];
          if (violations.length > 0) throw new StoreError('CORRUPTED', `${abs}: migration from schema ${before} left ${violations.length} foreign-key violations; the file was left at version ${before}`, abs);
        }
        writeLock(conn);
        return { from: before, interrupted: new RunRepo(conn).markAllInterrupted() };
      }).immediate();
      openInThisProcess.add(key);
      return new ProjectStore(abs, conn, { created, migratedFrom: from, schemaVersion: schemaVersion(conn), check: probe.check, checkMs: probe.checkMs, interruptedRunIds: interrupted }, busyTimeoutMs, key);
    } catch (err) {
      db?.close();
      if (isBusyError(err)) throw new ProjectLockedError(abs, `SQLite could not get a write lock within ${busyTimeoutMs} ms`);
      throw err;
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  info(): ProjectInfo {
    const row = this.db.prepare('SELECT name, created_at, app_version FROM project WHERE id = 1').get() as { name: string; created_at: string; app_version: string };
    return { name: row.name, createdAt: row.created_at, appVersion: row.app_version, schemaVersion: schemaVersion(this.db), file: this.file };
  }

  rename(name: string): void {
    if (!name?.trim()) throw new InvalidDataError('project: name must be a non-empty string');
    this.db.transaction(() => this.db.prepare('UPDATE project SET name = ? WHERE id = 1').run(name)).immediate();
  }

  /**
   * A consistent copy of the whole project, taken while it stays open (`VACUUM INTO` reads one
   * snapshot). Written under a temporary name, freed of our lock row, then linked into place.
   */
  exportTo(dest: string): void {
    const abs = path.resolve(dest);
    if (fs.existsSync(abs)) throw new StoreError('EXISTS', `${abs}: already exists; choose another file name for the export`, abs);
    writeConsistentCopy(this.db, abs);
  }

  /** Raw connection, for the store's own helpers (export, import, tests). Not for app code. */
  get connection(): Database.Database {
    return this.db;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    try {
      this.db.transaction(() => releaseLock(this.db)).immediate();
    } catch {
      // A lock row left behind names our pid; the next open sees the process gone and takes over.
    }
    this.db.close();
    openInThisProcess.delete(this.realPath);
  }

  private beat(): void {
    try {
      this.db.transaction(() => touchLock(this.db)).immediate();
    } catch {
      // Busy for a moment: the next beat will do; staleness takes minutes.
    }
  }
}

/**
 * Write a consistent copy of `db` (one read snapshot, via VACUUM INTO) to `dest`, without the
 * source's process lock. The copy appears at `dest` only once complete: a failure leaves nothing.
 */
export function writeConsistentCopy(db: Database.Database, dest: string): void {
  const tmp = `${dest}.partial-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  const forget = recordPendingExport(tmp);
  try {
    db.prepare('VACUUM INTO ?').run(tmp);
    const copy = new Database(tmp, withSqliteBinding({}));
    try {
      copy.pragma('journal_mode = WAL');
      copy.transaction(() => copy.prepare('DELETE FROM store_lock').run()).immediate();
    } finally {
      copy.close();
    }
    fs.linkSync(tmp, dest);
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
    forget();
  }
}
