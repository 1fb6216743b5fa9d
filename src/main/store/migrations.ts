/**
 * Forward-only schema migrations keyed on `PRAGMA user_version`. Migration N takes a file at
 * version N-1 to version N; all pending ones run in one transaction, so a crash mid-way leaves
 * the file at its old version. Never edit a shipped migration: add a new one.
 */
import type Database from 'better-sqlite3';

/** `PRAGMA application_id` of every project file: 'CWB1' in ASCII. */
export const APPLICATION_ID = 0x43574231;

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

const V1_CORE = `
CREATE TABLE project (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  app_version TEXT NOT NULL
);

-- One row while a process has the project open (see lock.ts).
CREATE TABLE store_lock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL
);

CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  path TEXT,
  content_hash TEXT NOT NULL,
  config_json TEXT NOT NULL CHECK (json_valid(config_json)),
  base_model_id INTEGER REFERENCES models(id) ON DELETE RESTRICT,
  edit_id INTEGER REFERENCES model_edits(id) ON DELETE RESTRICT,
  created_at TEXT NOT NULL,
  CHECK ((base_model_id IS NULL) = (edit_id IS NULL))
);
CREATE INDEX models_by_hash ON models(content_hash);

CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  task TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  item_count INTEGER NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE dataset_items (
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  clean TEXT NOT NULL,
  corrupted TEXT,
  correct TEXT NOT NULL,
  incorrect TEXT,
  template TEXT,
  extra_json TEXT CHECK (extra_json IS NULL OR json_valid(extra_json)),
  PRIMARY KEY (dataset_id, idx)
) WITHOUT ROWID;

CREATE TABLE circuits (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
  head_version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE circuit_versions (
  circuit_id INTEGER NOT NULL REFERENCES circuits(id) ON DELETE CASCADE,
  version INTEGER NOT NULL CHECK (version >= 1),
  graph_json TEXT NOT NULL CHECK (json_valid(graph_json)),
  message TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (circuit_id, version)
) WITHOUT ROWID;

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  params_json TEXT NOT NULL CHECK (json_valid(params_json)),
  model_hash TEXT,
  dataset_hash TEXT,
  backend TEXT,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
  progress REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
  progress_message TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  checkpoint_json TEXT CHECK (checkpoint_json IS NULL OR json_valid(checkpoint_json)),
  checkpoint_at TEXT,
  CHECK (status IN ('queued', 'running') OR ended_at IS NOT NULL)
);
CREATE INDEX runs_by_status ON runs(status);
CREATE INDEX runs_by_kind ON runs(kind, created_at);

CREATE TABLE results (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  summary_json TEXT NOT NULL CHECK (json_valid(summary_json)),
  created_at TEXT NOT NULL,
  UNIQUE (run_id, name)
);

-- Tensors are little-endian raw buffers; the CHECK keeps a blob from disagreeing with its shape.
CREATE TABLE result_tensors (
  result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  dtype TEXT NOT NULL CHECK (dtype IN ('float32', 'int32')),
  shape_json TEXT NOT NULL CHECK (json_valid(shape_json)),
  numel INTEGER NOT NULL CHECK (numel >= 0),
  data BLOB NOT NULL CHECK (length(data) = numel * 4),
  PRIMARY KEY (result_id, name)
) WITHOUT ROWID;

CREATE TABLE model_edits (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  spec_json TEXT NOT NULL CHECK (json_valid(spec_json)),
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE edit_deltas (
  edit_id INTEGER NOT NULL REFERENCES model_edits(id) ON DELETE CASCADE,
  param_name TEXT NOT NULL,
  dtype TEXT NOT NULL CHECK (dtype IN ('float32', 'int32')),
  shape_json TEXT NOT NULL CHECK (json_valid(shape_json)),
  numel INTEGER NOT NULL CHECK (numel >= 0),
  data BLOB NOT NULL CHECK (length(data) = numel * 4),
  PRIMARY KEY (edit_id, param_name)
) WITHOUT ROWID;
`;

const V2_NOTES = `
-- Free-text research notes, optionally attached to one object of the project.
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  target_kind TEXT CHECK (target_kind IS NULL OR target_kind IN ('model', 'dataset', 'circuit', 'run', 'result', 'edit')),
  target_id INTEGER,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((target_kind IS NULL) = (target_id IS NULL))
);
CREATE INDEX notes_by_target ON notes(target_kind, target_id);
-- Notes follow their target: deleting the object deletes its notes (cascades included).
CREATE TRIGGER notes_gone_model AFTER DELETE ON models BEGIN DELETE FROM notes WHERE target_kind = 'model' AND target_id = OLD.id; END;
CREATE TRIGGER notes_gone_dataset AFTER DELETE ON datasets BEGIN DELETE FROM notes WHERE target_kind = 'dataset' AND target_id = OLD.id; END;
CREATE TRIGGER notes_gone_circuit AFTER DELETE ON circuits BEGIN DELETE FROM notes WHERE target_kind = 'circuit' AND target_id = OLD.id; END;
CREATE TRIGGER notes_gone_run AFTER DELETE ON runs BEGIN DELETE FROM notes WHERE target_kind = 'run' AND target_id = OLD.id; END;
CREATE TRIGGER notes_gone_result AFTER DELETE ON results BEGIN DELETE FROM notes WHERE target_kind = 'result' AND target_id = OLD.id; END;
CREATE TRIGGER notes_gone_edit AFTER DELETE ON model_edits BEGIN DELETE FROM notes WHERE target_kind = 'edit' AND target_id = OLD.id; END;

-- Which earlier version a circuit version was derived from (undo and compare walk this).
ALTER TABLE circuit_versions ADD COLUMN parent_version INTEGER;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'core tables: project, models, datasets, circuits, runs, results, edits', sql: V1_CORE },
  { version: 2, description: 'notes; circuit_versions.parent_version', sql: V2_NOTES },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring `db` from its current version up to `target` (default: latest). Runs inside the
 * caller's transaction when there is one, else in its own. Refuses to go backwards.
 */
export function applyMigrations(db: Database.Database, target = LATEST_SCHEMA_VERSION, migrations: readonly Migration[] = MIGRATIONS): number {
  const run = () => {
    const from = schemaVersion(db);
    if (from > target) throw new Error(`schema version ${from} is newer than the target ${target}`);
    for (const m of migrations) {
      if (m.version <= from || m.version > target) continue;
      db.exec(m.sql);
      if (m.version === 1) db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${m.version}`);
    }
    return from;
  };
  return db.inTransaction ? run() : db.transaction(run).immediate();
}
