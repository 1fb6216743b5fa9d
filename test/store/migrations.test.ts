import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS, ProjectStore, applyMigrations, schemaVersion, type Migration } from '../../src/main/store';
import { makeTempDir, removeDir } from './helpers';
import { sampleGraph } from './fixtures/populate';
import { oldProjectFile } from '../fixtures/store/buildOldProjects';

/**
 * A project file as an older release left it: a frozen copy of test/fixtures/store/project-vN.cwb
 * (built once by test/fixtures/store/buildOldProjects.ts, never by today's migrations at test
 * time), copied so the fixture itself stays untouched.
 */
function copyOldProject(file: string, version: number): void {
  const fixture = oldProjectFile(version);
  expect(existsSync(fixture), `no frozen fixture for schema version ${version}: run buildOldProjects.ts ${version} once`).toBe(true);
  copyFileSync(fixture, file);
  const db = new Database(file, { readonly: true });
  expect(schemaVersion(db)).toBe(version);
  db.close();
}

describe('schema migrations', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  it('versions are consecutive from 1 and the latest is what new files get', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    const store = ProjectStore.open(path.join(dir, 'new.cwb'), { create: true, name: 'Fresh', appVersion: '9.9.9' });
    expect(store.report).toMatchObject({ created: true, migratedFrom: LATEST_SCHEMA_VERSION, schemaVersion: LATEST_SCHEMA_VERSION });
    expect(store.info()).toMatchObject({ name: 'Fresh', appVersion: '9.9.9', schemaVersion: LATEST_SCHEMA_VERSION });
    expect(store.connection.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    store.close();
  });

  const earlier = MIGRATIONS.map((m) => m.version).filter((v) => v < LATEST_SCHEMA_VERSION);
  it.each(earlier)('a file at schema version %i opens, migrates to the latest and keeps its data', (version) => {
    const file = path.join(dir, `v${version}.cwb`);
    copyOldProject(file, version);
    const store = ProjectStore.open(file);
    try {
      expect(store.report.migratedFrom).toBe(version);
      expect(store.report.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(store.connection.pragma('foreign_key_check')).toEqual([]);
      expect(store.info().name).toBe(`old v${version}`);
      // Data written by the old release reads back through today's repositories.
      expect(store.circuits.version(1, 1).graph).toEqual(sampleGraph(0.25));
      expect(store.circuits.version(1, 1).parentVersion).toBeNull();
      expect(Array.from(store.results.tensor(1, 'scores').data)).toEqual([1.5, -2, 3.25, 4]);
      // The run the old process left running is now interrupted, its checkpoint kept for resume.
      expect(store.report.interruptedRunIds).toEqual([2]);
      expect(store.runs.get(2).status).toBe('interrupted');
      expect(store.runs.checkpoint(2)).toEqual({ next: 4 });
      // What later versions added works on the migrated file (v2: notes, parent_version).
      const note = store.notes.add({ body: 'migrated fine', target: { kind: 'circuit', id: 1 } });
      expect(store.notes.list({ kind: 'circuit', id: 1 }).map((n) => n.id)).toEqual([note.id]);
      const v2 = store.circuits.save(1, sampleGraph(0.75));
      expect(store.circuits.version(1, v2).parentVersion).toBe(1);
    } finally {
      store.close();
    }
    // And it stays at the latest version on the next open.
    const again = ProjectStore.open(file);
    expect(again.report.migratedFrom).toBe(LATEST_SCHEMA_VERSION);
    again.close();
  });

  it('a migration that fails leaves the file at its old version with none of its changes', () => {
    const file = path.join(dir, 'fail.cwb');
    const db = new Database(file);
    applyMigrations(db, 1);
    const broken: Migration[] = [...MIGRATIONS.slice(0, 1), { version: 2, description: 'broken', sql: 'CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);' }];
    expect(() => applyMigrations(db, 2, broken)).toThrow(/no such table: no_such_table/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    db.close();
  });

  it('migrations never go backwards', () => {
    const db = new Database(path.join(dir, 'x.cwb'));
    applyMigrations(db);
    expect(() => applyMigrations(db, 1)).toThrow(/newer than the target 1/);
    db.close();
  });
});
