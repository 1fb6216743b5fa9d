/**
 * Models the project used: where the weights live on disk, their content hash and config.
 * An edited model points at its base model and the edit that produced it (its weights are
 * the base's plus the edit's deltas, so only the deltas are stored).
 */
import type Database from 'better-sqlite3';
import { InvalidDataError, NoSuchRowError } from '../errors';
import { nowIso, parseJsonText, toJsonText, type Json } from '../values';

export interface ModelRecord {
  id: number;
  name: string;
  path: string | null;
  contentHash: string;
  config: Json;
  baseModelId: number | null;
  editId: number | null;
  createdAt: string;
}

interface ModelRow {
  id: number;
  name: string;
  path: string | null;
  content_hash: string;
  config_json: string;
  base_model_id: number | null;
  edit_id: number | null;
  created_at: string;
}

const toRecord = (r: ModelRow): ModelRecord => ({
  id: r.id,
  name: r.name,
  path: r.path,
  contentHash: r.content_hash,
  config: parseJsonText(r.config_json, `model ${r.id} config`),
  baseModelId: r.base_model_id,
  editId: r.edit_id,
  createdAt: r.created_at,
});

export class ModelRepo {
  constructor(private readonly db: Database.Database) {}

  add(input: { name: string; path?: string; contentHash: string; config: Json }): ModelRecord {
    return this.insert(input.name, input.path ?? null, input.contentHash, input.config, null, null);
  }

  /** Register the model an edit produced from `baseModelId`. */
  addEdited(input: { name: string; baseModelId: number; editId: number; contentHash: string; config: Json; path?: string }): ModelRecord {
    return this.insert(input.name, input.path ?? null, input.contentHash, input.config, input.baseModelId, input.editId);
  }

  get(id: number): ModelRecord {
    const row = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
    if (!row) throw new NoSuchRowError('models', id);
    return toRecord(row);
  }

  findByHash(contentHash: string): ModelRecord[] {
    return (this.db.prepare('SELECT * FROM models WHERE content_hash = ? ORDER BY id').all(contentHash) as ModelRow[]).map(toRecord);
  }

  list(): ModelRecord[] {
    return (this.db.prepare('SELECT * FROM models ORDER BY id').all() as ModelRow[]).map(toRecord);
  }

  remove(id: number): void {
    this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM models WHERE id = ?').run(id).changes !== 1) throw new NoSuchRowError('models', id);
    }).immediate();
  }

  private insert(name: string, path: string | null, hash: string, config: Json, baseId: number | null, editId: number | null): ModelRecord {
    if (!name?.trim()) throw new InvalidDataError('model: name must be a non-empty string');
    if (!/^[0-9a-f]{16,128}$/.test(hash)) throw new InvalidDataError(`model "${name}": contentHash must be a lowercase hex digest, got ${JSON.stringify(hash)}`);
    const configText = toJsonText(config, `model "${name}" config`);
    const id = this.db.transaction(() => {
      if (editId !== null) {
        const edit = this.db.prepare('SELECT model_id FROM model_edits WHERE id = ?').get(editId) as { model_id: number } | undefined;
        if (!edit) throw new NoSuchRowError('model_edits', editId);
        if (edit.model_id !== baseId) throw new InvalidDataError(`model "${name}": edit ${editId} was made on model ${edit.model_id}, not on base model ${baseId}`);
      }
      return Number(
        this.db
          .prepare('INSERT INTO models (name, path, content_hash, config_json, base_model_id, edit_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(name, path, hash, configText, baseId, editId, nowIso()).lastInsertRowid,
      );
    }).immediate();
    return this.get(id);
  }
}
