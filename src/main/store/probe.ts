/**
 * Read-only checks a project file must pass before anything may write to it: it is SQLite,
 * carries our application_id, is not from a newer schema, and passes an integrity check.
 * Nothing here writes to the file: a refused file keeps its exact bytes.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { withSqliteBinding } from './sqliteBinding';
import { APPLICATION_ID, LATEST_SCHEMA_VERSION, applyMigrations } from './migrations';
import { CorruptedProjectError, NewerSchemaError, NotAProjectError, NotSqliteError, ProjectLockedError, isBusyError, isCorruptError } from './errors';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;
/** Files above this size get `quick_check` (O(N) b-tree walk) instead of the full `integrity_check`. */
export const FULL_CHECK_LIMIT_BYTES = 256 * 1024 * 1024;

export type IntegrityMode = 'auto' | 'full' | 'quick';

export interface ProbeReport {
  schemaVersion: number;
  check: 'integrity_check' | 'quick_check';
  checkMs: number;
}

interface Header {
  userVersion: number;
  applicationId: number;
}

function readHeader(file: string): Header {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) throw new NotAProjectError(file, 'the file is empty');
    const buf = Buffer.alloc(HEADER_BYTES);
    const n = fs.readSync(fd, buf, 0, HEADER_BYTES, 0);
    if (n < HEADER_BYTES || !buf.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
      throw new NotSqliteError(file, n < HEADER_BYTES ? `only ${size} bytes long` : 'its first bytes are not the SQLite header');
    }
    // SQLite header: user_version at byte 60, application_id at byte 68, both big-endian.
    return { userVersion: buf.readInt32BE(60), applicationId: buf.readInt32BE(68) };
  } finally {
    fs.closeSync(fd);
  }
}

function checkIdentity(file: string, applicationId: number, userVersion: number): void {
  if (applicationId !== APPLICATION_ID) {
    const detail = applicationId === 0 ? 'it has no application id' : `its application id is 0x${(applicationId >>> 0).toString(16)}, ours is 0x${APPLICATION_ID.toString(16)}`;
    throw new NotAProjectError(file, detail);
  }
  if (userVersion > LATEST_SCHEMA_VERSION) throw new NewerSchemaError(file, userVersion, LATEST_SCHEMA_VERSION);
  if (userVersion < 1) throw new NotAProjectError(file, `schema version ${userVersion} is not a valid project version`);
}

/**
 * Run `fn` on a read-only connection, then remove the -wal/-shm files the connection created
 * (a read-only connection leaves them behind; SQLite removes them only on a read-write close).
 */
export function withReadOnlyConnection<T>(file: string, busyTimeoutMs: number, fn: (db: Database.Database) => T): T {
  const walExisted = fs.existsSync(`${file}-wal`);
  const shmExisted = fs.existsSync(`${file}-shm`);
  const db = new Database(file, withSqliteBinding({ readonly: true, fileMustExist: true, timeout: busyTimeoutMs }));
  try {
    return fn(db);
  } finally {
    db.close();
    removeCreatedSideFiles(file, walExisted, shmExisted);
  }
}

/**
 * Probe an existing file. Throws NotSqliteError, NotAProjectError, NewerSchemaError,
 * CorruptedProjectError or ProjectLockedError; returns what it checked otherwise.
 */
export function probeProjectFile(file: string, opts: { integrity?: IntegrityMode; busyTimeoutMs?: number } = {}): ProbeReport {
  const header = readHeader(file);
  // Without a WAL file the header is authoritative: refuse foreign and newer files before SQLite touches them.
  if (!fs.existsSync(`${file}-wal`)) checkIdentity(file, header.applicationId, header.userVersion);

  const size = fs.statSync(file).size;
  const mode = opts.integrity ?? 'auto';
  const check = mode === 'full' || (mode === 'auto' && size <= FULL_CHECK_LIMIT_BYTES) ? 'integrity_check' : 'quick_check';
  try {
    return withReadOnlyConnection(file, opts.busyTimeoutMs ?? 2000, (db) => {
      // A WAL file may hold a newer header than the main file: ask SQLite, which reads through it.
      const applicationId = db.pragma('application_id', { simple: true }) as number;
      const userVersion = db.pragma('user_version', { simple: true }) as number;
      checkIdentity(file, applicationId, userVersion);
      const t0 = performance.now();
      const rows = db.pragma(check) as Array<Record<string, string>>;
      const messages = rows.map((r) => Object.values(r)[0]);
      if (messages.length !== 1 || messages[0] !== 'ok') {
        throw new CorruptedProjectError(file, `${check}: ${messages.slice(0, 3).join('; ')}${messages.length > 3 ? `; and ${messages.length - 3} more` : ''}`);
      }
      checkTables(file, db, userVersion);
      return { schemaVersion: userVersion, check, checkMs: performance.now() - t0 };
    });
  } catch (err) {
    if (isCorruptError(err)) throw new CorruptedProjectError(file, (err as Error).message);
    if (isBusyError(err)) throw new ProjectLockedError(file, `SQLite reports: ${(err as Error).message}`);
    throw err;
  }
}

const tablesByVersion = new Map<number, string[]>();

/** The tables a file of `version` has: the migrations up to it, run on an in-memory database. */
function expectedTables(version: number): string[] {
  let tables = tablesByVersion.get(version);
  if (!tables) {
    const mem = new Database(':memory:', withSqliteBinding({}));
    try {
      applyMigrations(mem, version);
      tables = tableNames(mem);
    } finally {
      mem.close();
    }
    tablesByVersion.set(version, tables);
  }
  return tables;
}

const tableNames = (db: Database.Database): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);

/** A file with our id and version but without its tables (e.g. an emptied file) is refused before anything writes. */
function checkTables(file: string, db: Database.Database, version: number): void {
  const present = new Set(tableNames(db));
  const missing = expectedTables(version).filter((t) => !present.has(t));
  if (missing.length > 0) {
    const listed = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
    throw new CorruptedProjectError(file, `schema version ${version} needs ${expectedTables(version).length} tables; ${missing.length} are missing: ${listed}`);
  }
}

/**
 * A read-only connection creates -shm (and an empty -wal when there was none). Remove what we
 * created: -shm is only an index SQLite rebuilds from the WAL. (Another
 * process opening the same file within these milliseconds is the one case this could disturb.)
 */
function removeCreatedSideFiles(file: string, walExisted: boolean, shmExisted: boolean): void {
  try {
    if (!shmExisted && fs.existsSync(`${file}-shm`)) fs.unlinkSync(`${file}-shm`);
    if (!walExisted && fs.existsSync(`${file}-wal`) && fs.statSync(`${file}-wal`).size === 0) fs.unlinkSync(`${file}-wal`);
  } catch {
    // Best effort: leftover side files are harmless to SQLite.
  }
}
