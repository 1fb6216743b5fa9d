/**
 * Errors the project store raises. Each names the file and says what the user can do, so the
 * UI and the CLI can show `error.message` as it is. `code` is stable for programmatic checks.
 */

export type StoreErrorCode =
  | 'NOT_FOUND'
  | 'NOT_SQLITE'
  | 'NOT_A_PROJECT'
  | 'NEWER_SCHEMA'
  | 'CORRUPTED'
  | 'LOCKED'
  | 'INVALID_DATA'
  | 'NO_SUCH_ROW'
  | 'EXISTS'
  | 'NOT_A_FILE'
  | 'READ_ONLY'
  | 'VERSION_CONFLICT';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export class ProjectNotFoundError extends StoreError {
  constructor(file: string) {
    super('NOT_FOUND', `${file}: no such project file. Check the path, or create a new project there.`, file);
    this.name = 'ProjectNotFoundError';
  }
}

export class NotSqliteError extends StoreError {
  constructor(file: string, detail: string) {
    super('NOT_SQLITE', `${file}: not a Circuit Workbench project (${detail}; it is not an SQLite database at all). Pick a .cwb project file.`, file);
    this.name = 'NotSqliteError';
  }
}

export class NotAProjectError extends StoreError {
  constructor(file: string, detail: string) {
    super('NOT_A_PROJECT', `${file}: an SQLite database but not a Circuit Workbench project (${detail}). Pick a .cwb project file; this file was left unchanged.`, file);
    this.name = 'NotAProjectError';
  }
}

export class NewerSchemaError extends StoreError {
  constructor(
    file: string,
    readonly fileVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      'NEWER_SCHEMA',
      `${file}: this project was saved by a newer Circuit Workbench (schema version ${fileVersion}; this version reads up to ${supportedVersion}). Update Circuit Workbench to open it; the file was left unchanged.`,
      file,
    );
    this.name = 'NewerSchemaError';
  }
}

export class CorruptedProjectError extends StoreError {
  constructor(file: string, detail: string) {
    super('CORRUPTED', `${file}: the project file is damaged (${detail}). Restore it from a backup or an exported copy; it was left unchanged.`, file);
    this.name = 'CorruptedProjectError';
  }
}

export class ProjectLockedError extends StoreError {
  constructor(file: string, detail: string) {
    super('LOCKED', `${file}: the project is in use by another process (${detail}). Close it there first, then open it again.`, file);
    this.name = 'ProjectLockedError';
  }
}

/** The path names a directory, a named pipe, a device or a dangling link: never opened, never read. */
export class NotAFileError extends StoreError {
  constructor(file: string, detail: string) {
    super('NOT_A_FILE', `${file}: not a project file (${detail}). Pick a .cwb project file; nothing was read or changed.`, file);
    this.name = 'NotAFileError';
  }
}

/** The project cannot be written here; refused before SQLite creates any -wal/-shm file. */
export class ReadOnlyProjectError extends StoreError {
  constructor(file: string, detail: string) {
    super('READ_ONLY', `${file}: cannot open the project for writing (${detail}). Copy it to a writable folder or change its permissions; it was left unchanged.`, file);
    this.name = 'ReadOnlyProjectError';
  }
}

/** Input that cannot be stored as given (bad shape, non-JSON value, wrong dtype...). */
export class InvalidDataError extends StoreError {
  constructor(message: string) {
    super('INVALID_DATA', message);
    this.name = 'InvalidDataError';
  }
}

/** A save based on a version that is no longer the head: someone else saved in between. */
export class VersionConflictError extends StoreError {
  constructor(
    readonly circuitId: number,
    readonly baseVersion: number,
    readonly headVersion: number,
  ) {
    super('VERSION_CONFLICT', `circuit ${circuitId} is at version ${headVersion}, but this save started from version ${baseVersion}`);
    this.name = 'VersionConflictError';
  }
}

export class NoSuchRowError extends StoreError {
  constructor(table: string, id: number | string) {
    super('NO_SUCH_ROW', `${table}: no row with id ${String(id)}`);
    this.name = 'NoSuchRowError';
  }
}

/** SQLite error codes that mean another connection holds a lock we need. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** SQLite error codes that mean the file's structure is damaged. */
export function isCorruptError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}
