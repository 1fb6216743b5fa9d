/**
 * Every file the store refuses stays byte-identical, whatever the reason, and nothing appears
 * beside it: checks run before any pragma that writes (journal_mode=WAL rewrites the header).
 * Paths that are not regular files (FIFO, directory, device, dangling or looping link) are
 * refused from stat alone, at once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS, ProjectStore, StoreError, applyMigrations, importProject } from '../../src/main/store';
import { REPO_ROOT } from './fixtures/child';
import { populate } from './fixtures/populate';
import { listDir, makeTempDir, removeDir, sha256File } from './helpers';

let dir: string;
beforeAll(() => (dir = makeTempDir()));
afterAll(() => removeDir(dir));

function sqliteFile(name: string, build: (db: Database.Database) => void): string {
  const file = path.join(dir, name);
  const db = new Database(file);
  build(db);
  db.close();
  return file;
}

function healthy(name: string): string {
  const file = path.join(dir, name);
  const store = ProjectStore.open(file, { create: true });
  populate(store);
  store.close();
  return file;
}

/** The refused regular files, each with the reason it must be refused for. */
function regularCorpus(): { file: string; code: StoreError['code']; message: RegExp }[] {
  const corpus: { file: string; code: StoreError['code']; message: RegExp }[] = [];
  const add = (file: string, code: StoreError['code'], message: RegExp) => corpus.push({ file, code, message });
  fs.writeFileSync(path.join(dir, 'text.cwb'), 'my notes\n'.repeat(100));
  add(path.join(dir, 'text.cwb'), 'NOT_SQLITE', /not an SQLite database/);
  fs.writeFileSync(path.join(dir, 'empty.cwb'), '');
  add(path.join(dir, 'empty.cwb'), 'NOT_A_PROJECT', /empty/);
  add(sqliteFile('foreign.cwb', (db) => db.exec('CREATE TABLE t (x)')), 'NOT_A_PROJECT', /no application id/);
  add(sqliteFile('newer.cwb', (db) => {
    applyMigrations(db);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
  }), 'NEWER_SCHEMA', /newer Circuit Workbench/);
  // Our application id and every schema version, but no tables at all (rollback journal mode, as a copy tool might leave it).
  for (const m of MIGRATIONS) {
    add(sqliteFile(`no-tables-v${m.version}.cwb`, (db) => {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${m.version}`);
    }), 'CORRUPTED', new RegExp(`schema version ${m.version} needs \\d+ tables; \\d+ are missing`));
  }
  // Each table of the latest schema dropped in turn, from the table list the migrations make.
  const mem = new Database(':memory:');
  applyMigrations(mem);
  const tables = (mem.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
  mem.close();
  for (const table of tables) {
    add(sqliteFile(`without-${table}.cwb`, (db) => {
      applyMigrations(db);
      db.pragma('foreign_keys = OFF');
      db.exec(`DROP TABLE ${table}`);
    }), 'CORRUPTED', new RegExp(`are missing: .*\\b${table}\\b`));
  }
  const corrupt = healthy('corrupt.cwb');
  const bytes = fs.readFileSync(corrupt);
  bytes.fill(0xa5, Math.floor(bytes.length / 4096 / 2) * 4096, Math.floor(bytes.length / 4096 / 2) * 4096 + 4096);
  fs.writeFileSync(corrupt, bytes);
  add(corrupt, 'CORRUPTED', /damaged/);
  return corpus;
}

function refusal(file: string): StoreError {
  let caught: unknown;
  try {
    ProjectStore.open(file, { busyTimeoutMs: 300 }).close();
  } catch (err) {
    caught = err;
  }
  expect(caught, file).toBeInstanceOf(StoreError);
  return caught as StoreError;
}

describe('refused project files', () => {
  it('every refused regular file keeps its sha256 and leaves no side file', () => {
    const corpus = regularCorpus();
    expect(corpus.length).toBeGreaterThan(8);
    const hashes = new Map(corpus.map(({ file }) => [file, sha256File(file)]));
    const listing = listDir(dir);
    for (const { file, code, message } of corpus) {
      const err = refusal(file);
      expect(err.code, `${path.basename(file)}: ${err.message}`).toBe(code);
      expect(err.message).toContain(file);
      expect(err.message).toMatch(message);
      expect(sha256File(file), path.basename(file)).toBe(hashes.get(file));
    }
    expect(listDir(dir)).toEqual(listing);
  });

  it.each([
    ['a directory', (p: string) => fs.mkdirSync(p), /it is a directory/],
    ['a named pipe', (p: string) => execFileSync('mkfifo', [p]), /named pipe \(FIFO\)/],
    ['a link to a device', (p: string) => fs.symlinkSync('/dev/zero', p), /character device/],
    ['a dangling link', (p: string) => fs.symlinkSync(path.join(dir, 'nowhere.cwb'), p), /symbolic link to ".*nowhere\.cwb", which does not exist/],
    ['a link loop', (p: string) => fs.symlinkSync(p, p), /loops back on itself/],
  ])('%s where the .cwb should be is refused at once, create or not, and nothing is made', (_label, make, message) => {
    const file = path.join(dir, `special-${_label.replace(/ /g, '-')}.cwb`);
    make(file);
    const before = fs.lstatSync(file);
    const listing = listDir(dir);
    for (const create of [false, true]) {
      const t0 = performance.now();
      let caught: unknown;
      try {
        ProjectStore.open(file, { create, busyTimeoutMs: 300 }).close();
      } catch (err) {
        caught = err;
      }
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(caught).toBeInstanceOf(StoreError);
      expect((caught as StoreError).code).toBe('NOT_A_FILE');
      expect((caught as Error).message).toContain(file);
      expect((caught as Error).message).toMatch(message);
    }
    // As the source of an import too: refused from stat alone, no copy made.
    let importErr: unknown;
    try {
      importProject(file, path.join(dir, 'imported.cwb')).close();
    } catch (err) {
      importErr = err;
    }
    expect((importErr as StoreError).code).toBe('NOT_A_FILE');
    const after = fs.lstatSync(file);
    expect([after.mode, after.mtimeMs, after.size]).toEqual([before.mode, before.mtimeMs, before.size]);
    expect(listDir(dir)).toEqual(listing);
  });

  it('a project this user cannot write is refused with the path and the reason, unchanged, with no -wal/-shm', () => {
    const roDir = path.join(dir, 'ro');
    fs.mkdirSync(roDir);
    const file = path.join(roDir, 'shared.cwb');
    const store = ProjectStore.open(file, { create: true });
    populate(store);
    store.close();
    fs.chmodSync(roDir, 0o755);
    fs.chmodSync(file, 0o444);
    fs.chmodSync(dir, 0o755);
    const before = sha256File(file);
    // Root may write anything, so the open runs as an unprivileged user (nobody) in a child process.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/store/fixtures/open-as.ts', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, ...asNobody });
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { opened: boolean; code?: string; message?: string };
    expect(out.opened, r.stderr).toBe(false);
    expect(out.code).toBe('READ_ONLY');
    expect(out.message).toContain(file);
    expect(out.message).toMatch(/read-only for this user/);
    expect(sha256File(file)).toBe(before);
    expect(listDir(roDir)).toEqual(['shared.cwb']);
  });
});
