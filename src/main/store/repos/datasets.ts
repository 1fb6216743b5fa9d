/** Task datasets: clean/corrupted prompt pairs with their answers, one row per item. */
import type Database from 'better-sqlite3';
import { InvalidDataError, NoSuchRowError } from '../errors';
import { contentHash, nowIso, parseJsonText, toJsonText, type Json } from '../values';

export interface DatasetItem {
  clean: string;
  corrupted?: string | null;
  correct: string;
  incorrect?: string | null;
  template?: string | null;
  extra?: Json;
}

export interface DatasetRecord {
  id: number;
  name: string;
  task: string;
  contentHash: string;
  itemCount: number;
  createdAt: string;
}

interface DatasetRow {
  id: number;
  name: string;
  task: string;
  content_hash: string;
  item_count: number;
  created_at: string;
}

const toRecord = (r: DatasetRow): DatasetRecord => ({ id: r.id, name: r.name, task: r.task, contentHash: r.content_hash, itemCount: r.item_count, createdAt: r.created_at });

function checkItem(item: DatasetItem, where: string): void {
  if (!item || typeof item !== 'object') throw new InvalidDataError(`${where}: must be an object`);
  for (const key of ['clean', 'correct'] as const) {
    if (typeof item[key] !== 'string') throw new InvalidDataError(`${where}.${key}: must be a string, got ${JSON.stringify(item[key])}`);
  }
  for (const key of ['corrupted', 'incorrect', 'template'] as const) {
    const v = item[key];
    if (v !== undefined && v !== null && typeof v !== 'string') throw new InvalidDataError(`${where}.${key}: must be a string or absent, got ${JSON.stringify(v)}`);
  }
}

/** The dataset hash a run records: the task plus every item, canonicalised. */
export function datasetContentHash(task: string, items: readonly DatasetItem[]): string {
  return contentHash({
    task,
    items: items.map((i) => ({ clean: i.clean, corrupted: i.corrupted ?? null, correct: i.correct, incorrect: i.incorrect ?? null, template: i.template ?? null, extra: i.extra ?? null })),
  });
}

export class DatasetRepo {
  constructor(private readonly db: Database.Database) {}

  create(input: { name: string; task: string; items: readonly DatasetItem[] }): DatasetRecord {
    if (!input.name?.trim()) throw new InvalidDataError('dataset: name must be a non-empty string');
    if (!input.task?.trim()) throw new InvalidDataError(`dataset "${input.name}": task must be a non-empty string`);
    input.items.forEach((item, i) => checkItem(item, `dataset "${input.name}" items[${i}]`));
    const extras = input.items.map((item, i) => (item.extra === undefined ? null : toJsonText(item.extra, `dataset "${input.name}" items[${i}].extra`)));
    const hash = datasetContentHash(input.task, input.items);
    const id = this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(input.name)) throw new InvalidDataError(`dataset "${input.name}": a dataset with this name already exists`);
      const datasetId = Number(
        this.db.prepare('INSERT INTO datasets (name, task, content_hash, item_count, created_at) VALUES (?, ?, ?, ?, ?)').run(input.name, input.task, hash, input.items.length, nowIso()).lastInsertRowid,
      );
      const insert = this.db.prepare('INSERT INTO dataset_items (dataset_id, idx, clean, corrupted, correct, incorrect, template, extra_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      input.items.forEach((it, i) => insert.run(datasetId, i, it.clean, it.corrupted ?? null, it.correct, it.incorrect ?? null, it.template ?? null, extras[i]));
      return datasetId;
    }).immediate();
    return this.get(id);
  }

  get(id: number): DatasetRecord {
    const row = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
    if (!row) throw new NoSuchRowError('datasets', id);
    return toRecord(row);
  }

  findByName(name: string): DatasetRecord | undefined {
    const row = this.db.prepare('SELECT * FROM datasets WHERE name = ?').get(name) as DatasetRow | undefined;
    return row && toRecord(row);
  }

  list(): DatasetRecord[] {
    return (this.db.prepare('SELECT * FROM datasets ORDER BY id').all() as DatasetRow[]).map(toRecord);
  }

  items(id: number, page: { offset?: number; limit?: number } = {}): DatasetItem[] {
    this.get(id);
    const rows = this.db
      .prepare('SELECT idx, clean, corrupted, correct, incorrect, template, extra_json FROM dataset_items WHERE dataset_id = ? ORDER BY idx LIMIT ? OFFSET ?')
      .all(id, page.limit ?? -1, page.offset ?? 0) as Array<{ idx: number; clean: string; corrupted: string | null; correct: string; incorrect: string | null; template: string | null; extra_json: string | null }>;
    return rows.map((r) => ({
      clean: r.clean,
      corrupted: r.corrupted,
      correct: r.correct,
      incorrect: r.incorrect,
      template: r.template,
      ...(r.extra_json === null ? {} : { extra: parseJsonText(r.extra_json, `dataset ${id} item ${r.idx} extra`) }),
    }));
  }

  remove(id: number): void {
    this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes !== 1) throw new NoSuchRowError('datasets', id);
    }).immediate();
  }
}
