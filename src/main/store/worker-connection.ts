/**
 * A second connection to a project that is already open in this process (by ProjectStore),
 * for a job's worker thread: it writes progress, checkpoints and results without blocking
 * the main thread. It takes no project lock: the main thread's ProjectStore holds it.
 */
import Database from 'better-sqlite3';
import { withSqliteBinding } from './sqliteBinding';
import { StoreError } from './errors';
import { LATEST_SCHEMA_VERSION, schemaVersion } from './migrations';
import { configureConnection } from './project-store';

export function openWorkerConnection(file: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(file, withSqliteBinding({ fileMustExist: true, timeout: busyTimeoutMs }));
  try {
    configureConnection(db);
    const version = schemaVersion(db);
    if (version !== LATEST_SCHEMA_VERSION) throw new StoreError('NEWER_SCHEMA', `${file}: worker expected schema version ${LATEST_SCHEMA_VERSION}, found ${version}`, file);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
