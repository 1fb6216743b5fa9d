/** Model edits (e.g. ROME rank-1 updates): the specification plus weight deltas as tensors. */
import type Database from 'better-sqlite3';
import { InvalidDataError, NoSuchRowError } from '../errors';
import { normalizeTensor, tensorBlob, tensorFromRow, type StoredTensor, type TensorInput } from '../tensors';
import { nowIso, parseJsonText, toJsonText, type Json } from '../values';

export interface EditRecord {
  id: number;
  modelId: number;
  name: string;
  spec: Json;
  runId: number | null;
  createdAt: string;
  /** Parameter names with a delta, and their shapes. */
  deltas: Array<{ param: string; dtype: string; shape: number[] }>;
}

interface EditRow {
  id: number;
  model_id: number;
  name: string;
  spec_json: string;
  run_id: number | null;
  created_at: string;
}

export class EditRepo {
  constructor(private readonly db: Database.Database) {}

  /** `deltas` maps a parameter name (e.g. 'h.8.mlp.c_proj.weight') to the tensor added to it. */
  create(input: { modelId: number; name: string; spec: Json; deltas: Record<string, TensorInput>; runId?: number }): EditRecord {
    if (!input.name?.trim()) throw new InvalidDataError('model edit: name must be a non-empty string');
    const spec = toJsonText(input.spec, `model edit "${input.name}" spec`);
    const deltas = Object.entries(input.deltas).map(([param, t]) => [param, normalizeTensor(t, `model edit "${input.name}" delta "${param}"`)] as const);
    if (deltas.length === 0) throw new InvalidDataError(`model edit "${input.name}": has no weight deltas`);
    const id = this.db.transaction(() => {
      const editId = Number(
        this.db.prepare('INSERT INTO model_edits (model_id, name, spec_json, run_id, created_at) VALUES (?, ?, ?, ?, ?)').run(input.modelId, input.name, spec, input.runId ?? null, nowIso()).lastInsertRowid,
      );
      const insert = this.db.prepare('INSERT INTO edit_deltas (edit_id, param_name, dtype, shape_json, numel, data) VALUES (?, ?, ?, ?, ?, ?)');
      for (const [param, t] of deltas) insert.run(editId, param, t.dtype, JSON.stringify(t.shape), t.data.length, tensorBlob(t));
      return editId;
    }).immediate();
    return this.get(id);
  }

  get(id: number): EditRecord {
    const row = this.db.prepare('SELECT * FROM model_edits WHERE id = ?').get(id) as EditRow | undefined;
    if (!row) throw new NoSuchRowError('model_edits', id);
    const deltas = (this.db.prepare('SELECT param_name, dtype, shape_json FROM edit_deltas WHERE edit_id = ? ORDER BY param_name').all(id) as Array<{
      param_name: string;
      dtype: string;
      shape_json: string;
    }>).map((d) => ({ param: d.param_name, dtype: d.dtype, shape: parseJsonText<number[]>(d.shape_json, `edit ${id} delta "${d.param_name}" shape`) }));
    return { id: row.id, modelId: row.model_id, name: row.name, spec: parseJsonText(row.spec_json, `edit ${id} spec`), runId: row.run_id, createdAt: row.created_at, deltas };
  }

  list(modelId?: number): EditRecord[] {
    const rows = this.db.prepare('SELECT id FROM model_edits WHERE (@model IS NULL OR model_id = @model) ORDER BY id').all({ model: modelId ?? null }) as Array<{ id: number }>;
    return rows.map((r) => this.get(r.id));
  }

  deltas(id: number): Map<string, StoredTensor> {
    this.get(id);
    const rows = this.db.prepare('SELECT param_name, dtype, shape_json, data FROM edit_deltas WHERE edit_id = ? ORDER BY param_name').all(id) as Array<{
      param_name: string;
      dtype: string;
      shape_json: string;
      data: Buffer;
    }>;
    return new Map(rows.map((r) => [r.param_name, tensorFromRow(r, `edit ${id} delta "${r.param_name}"`)]));
  }

  remove(id: number): void {
    this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM model_edits WHERE id = ?').run(id).changes !== 1) throw new NoSuchRowError('model_edits', id);
    }).immediate();
  }
}
