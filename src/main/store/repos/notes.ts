/** Research notes, free-standing or attached to one object of the project (schema v2). */
import type Database from 'better-sqlite3';
import { InvalidDataError, NoSuchRowError } from '../errors';
import { nowIso } from '../values';

export type NoteTargetKind = 'model' | 'dataset' | 'circuit' | 'run' | 'result' | 'edit';
export interface NoteTarget {
  kind: NoteTargetKind;
  id: number;
}

export interface NoteRecord {
  id: number;
  target: NoteTarget | null;
  body: string;
  createdAt: string;
  updatedAt: string;
}

interface NoteRow {
  id: number;
  target_kind: NoteTargetKind | null;
  target_id: number | null;
  body: string;
  created_at: string;
  updated_at: string;
}

const TARGET_TABLE: Record<NoteTargetKind, string> = { model: 'models', dataset: 'datasets', circuit: 'circuits', run: 'runs', result: 'results', edit: 'model_edits' };

const toRecord = (r: NoteRow): NoteRecord => ({
  id: r.id,
  target: r.target_kind === null || r.target_id === null ? null : { kind: r.target_kind, id: r.target_id },
  body: r.body,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class NoteRepo {
  constructor(private readonly db: Database.Database) {}

  add(input: { body: string; target?: NoteTarget }): NoteRecord {
    if (typeof input.body !== 'string') throw new InvalidDataError('note: body must be a string');
    const id = this.db.transaction(() => {
      if (input.target) this.checkTarget(input.target);
      const now = nowIso();
      return Number(
        this.db.prepare('INSERT INTO notes (target_kind, target_id, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(input.target?.kind ?? null, input.target?.id ?? null, input.body, now, now).lastInsertRowid,
      );
    }).immediate();
    return this.get(id);
  }

  update(id: number, body: string): NoteRecord {
    this.db.transaction(() => {
      if (this.db.prepare('UPDATE notes SET body = ?, updated_at = ? WHERE id = ?').run(body, nowIso(), id).changes !== 1) throw new NoSuchRowError('notes', id);
    }).immediate();
    return this.get(id);
  }

  get(id: number): NoteRecord {
    const row = this.db.prepare('SELECT * FROM notes WHERE id = ?').get(id) as NoteRow | undefined;
    if (!row) throw new NoSuchRowError('notes', id);
    return toRecord(row);
  }

  /** All notes, or those attached to `target`. */
  list(target?: NoteTarget): NoteRecord[] {
    const rows = target
      ? this.db.prepare('SELECT * FROM notes WHERE target_kind = ? AND target_id = ? ORDER BY id').all(target.kind, target.id)
      : this.db.prepare('SELECT * FROM notes ORDER BY id').all();
    return (rows as NoteRow[]).map(toRecord);
  }

  remove(id: number): void {
    this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM notes WHERE id = ?').run(id).changes !== 1) throw new NoSuchRowError('notes', id);
    }).immediate();
  }

  private checkTarget(t: NoteTarget): void {
    const table = TARGET_TABLE[t.kind];
    if (!table) throw new InvalidDataError(`note: target kind "${String(t.kind)}" is not one of ${Object.keys(TARGET_TABLE).join(', ')}`);
    if (!this.db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(t.id)) throw new NoSuchRowError(table, t.id);
  }
}
