import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  CorruptedProjectError,
  LATEST_SCHEMA_VERSION,
  NewerSchemaError,
  NotAProjectError,
  NotSqliteError,
  ProjectLockedError,
  ProjectNotFoundError,
  ProjectStore,
  StoreError,
} from '../../src/main/store';
import { listDir, makeTempDir, removeDir, sha256File } from './helpers';
import { spawnTsx, waitForExit, waitForLine } from './fixtures/child';
import { populate } from './fixtures/populate';

const HOLD_OPEN = 'test/store/fixtures/hold-open.ts';

/** Deterministic bytes (xorshift32) so a failure reproduces. */
function randomBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    b[i] = s & 0xff;
  }
  return b;
}

/** Open must throw `type`, and leave the file's bytes and the folder's listing exactly as they were. */
function expectRefusedUnchanged(file: string, type: new (...args: never[]) => StoreError, message: RegExp): StoreError {
  const dir = path.dirname(file);
  const before = sha256File(file);
  const listing = listDir(dir);
  let caught: unknown;
  try {
    ProjectStore.open(file, { busyTimeoutMs: 300 }).close();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toMatch(message);
  expect((caught as Error).message).toContain(file);
  expect(sha256File(file)).toBe(before);
  expect(listDir(dir)).toEqual(listing);
  return caught as StoreError;
}

describe('opening files that are not healthy projects', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  function healthyProject(name = 'p.cwb'): string {
    const file = path.join(dir, name);
    const store = ProjectStore.open(file, { create: true });
    populate(store);
    store.close();
    return file;
  }

  it('a missing file gives ProjectNotFoundError unless create is set', () => {
    expect(() => ProjectStore.open(path.join(dir, 'nope.cwb'))).toThrow(ProjectNotFoundError);
    expect(listDir(dir)).toEqual([]);
  });

  it('a healthy project opens, passes integrity_check and leaves no side files after close', () => {
    const file = healthyProject();
    expect(listDir(dir)).toEqual(['p.cwb']);
    const store = ProjectStore.open(file);
    expect(store.report.check).toBe('integrity_check');
    expect(store.report.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.connection.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.connection.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
    expect(listDir(dir)).toEqual(['p.cwb']);
  });

  it('a non-SQLite file: NotSqliteError, bytes unchanged', () => {
    const text = path.join(dir, 'notes.cwb');
    fs.writeFileSync(text, 'These are my notes, not a database.\n'.repeat(200));
    const err = expectRefusedUnchanged(text, NotSqliteError, /not an SQLite database at all/);
    expect(err.code).toBe('NOT_SQLITE');
    const tiny = path.join(dir, 'tiny.cwb');
    fs.writeFileSync(tiny, 'SQLite');
    expectRefusedUnchanged(tiny, NotSqliteError, /only 6 bytes long/);
    const noise = path.join(dir, 'noise.cwb');
    fs.writeFileSync(noise, randomBytes(16384, 7));
    expectRefusedUnchanged(noise, NotSqliteError, /first bytes are not the SQLite header/);
  });

  it('an empty file and a foreign SQLite database: NotAProjectError, bytes unchanged', () => {
    const empty = path.join(dir, 'empty.cwb');
    fs.writeFileSync(empty, '');
    expectRefusedUnchanged(empty, NotAProjectError, /the file is empty/);

    const foreign = path.join(dir, 'foreign.db');
    const db = new Database(foreign);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES (\'Ada\')');
    db.close();
    expectRefusedUnchanged(foreign, NotAProjectError, /no application id/);

    const other = path.join(dir, 'other-app.db');
    const db2 = new Database(other);
    db2.pragma('application_id = 1234');
    db2.exec('CREATE TABLE t (x)');
    db2.close();
    expectRefusedUnchanged(other, NotAProjectError, /application id is 0x4d2/);
  });

  it('a file from a newer schema: NewerSchemaError naming both versions, bytes unchanged', () => {
    const file = healthyProject();
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    const err = expectRefusedUnchanged(file, NewerSchemaError, /newer Circuit Workbench \(schema version \d+; this version reads up to \d+\)/) as NewerSchemaError;
    expect(err.fileVersion).toBe(LATEST_SCHEMA_VERSION + 1);
  });

  it('a newer-schema file whose new header is still in its WAL: refused through SQLite, bytes unchanged', () => {
    const file = healthyProject();
    // Simulate a newer app that crashed after committing: the version bump lives only in the -wal file.
    const db = new Database(file);
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    fs.copyFileSync(file, path.join(dir, 'crashed.cwb'));
    fs.copyFileSync(`${file}-wal`, path.join(dir, 'crashed.cwb-wal'));
    db.close();
    const crashed = path.join(dir, 'crashed.cwb');
    const walBefore = sha256File(`${crashed}-wal`);
    expectRefusedUnchanged(crashed, NewerSchemaError, new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 5}`));
    expect(sha256File(`${crashed}-wal`)).toBe(walBefore);
  });

  it('random bytes over middle pages: CorruptedProjectError, bytes unchanged (several positions)', () => {
    const original = healthyProject();
    const size = fs.statSync(original).size;
    const pageSize = 4096;
    const pages = size / pageSize;
    expect(pages).toBeGreaterThan(30);
    for (const [trial, fraction] of [0.3, 0.45, 0.55, 0.7, 0.85].entries()) {
      const file = path.join(dir, `corrupt-${trial}.cwb`);
      fs.copyFileSync(original, file);
      const first = Math.floor(pages * fraction);
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, randomBytes(3 * pageSize, 100 + trial), 0, 3 * pageSize, first * pageSize);
      fs.closeSync(fd);
      const err = expectRefusedUnchanged(file, CorruptedProjectError, /the project file is damaged \((integrity_check|database disk image is malformed)/);
      expect(err.message).toMatch(/Restore it from a backup/);
    }
  });

  it('a project held open by another process (lock row): ProjectLockedError naming its pid, bytes unchanged', async () => {
    const file = healthyProject();
    const child = spawnTsx(HOLD_OPEN, [file, 'store']);
    try {
      const [, pid] = await waitForLine(child, /^ready (\d+)/);
      expectRefusedUnchanged(file, ProjectLockedError, new RegExp(`in use by another process \\(process ${pid} on `));
    } finally {
      child.stdin?.end();
      expect(await waitForExit(child)).toBe(0);
    }
    ProjectStore.open(file).close();
  });

  it('a project locked by a foreign SQLite client (BEGIN EXCLUSIVE): ProjectLockedError, bytes unchanged', async () => {
    const file = healthyProject();
    const child = spawnTsx(HOLD_OPEN, [file, 'exclusive']);
    try {
      await waitForLine(child, /^ready/);
      expectRefusedUnchanged(file, ProjectLockedError, /could not get a write lock within 300 ms/);
    } finally {
      child.stdin?.end();
      await waitForExit(child);
    }
  });

  it('a second open in the same process is refused', () => {
    const file = healthyProject();
    const store = ProjectStore.open(file);
    try {
      expect(() => ProjectStore.open(file)).toThrow(/already open in this process/);
    } finally {
      store.close();
    }
  });
});
