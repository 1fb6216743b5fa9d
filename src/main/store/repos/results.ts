/** Results of runs: a JSON summary plus named tensors, stored as BLOBs with dtype and shape. */
import type Database from 'better-sqlite3';
import { InvalidDataError, NoSuchRowError } from '../errors';
import { normalizeTensor, tensorBlob, tensorFromRow, type StoredTensor, type TensorInput } from '../tensors';
import { nowIso, parseJsonText, toJsonText, type Json } from '../values';

/** What a job produces; `name` defaults to the run's kind. */
export interface ResultInput {
  name?: string;
  summary: Json;
  tensors?: Record<string, TensorInput>;
}

export interface ResultMeta {
  id: number;
  runId: number;
  name: string;
  summary: Json;
  createdAt: string;
  tensors: Array<{ name: string; dtype: string; shape: number[] }>;
}

export interface ResultRecord extends Omit<ResultMeta, 'tensors'> {
  tensors: Map<string, StoredTensor>;
}

interface ResultRow {
  id: number;
  run_id: number;
  name: string;
  summary_json: string;
  created_at: string;
}

export class ResultRepo {
  constructor(private readonly db: Database.Database) {}

  /** Insert results for a run. Does not open a transaction: the caller's (RunRepo.complete) makes it atomic with the status. */
  insertWithin(runId: number, defaultName: string, outputs: readonly ResultInput[]): number[] {
    const names = new Set<string>();
    const insertResult = this.db.prepare('INSERT INTO results (run_id, name, summary_json, created_at) VALUES (?, ?, ?, ?)');
    const insertTensor = this.db.prepare('INSERT INTO result_tensors (result_id, name, dtype, shape_json, numel, data) VALUES (?, ?, ?, ?, ?, ?)');
    const ids: number[] = [];
    for (const out of outputs) {
      const name = out.name ?? defaultName;
      if (names.has(name)) throw new InvalidDataError(`run ${runId}: two results are both named "${name}"`);
      names.add(name);
      const id = Number(insertResult.run(runId, name, toJsonText(out.summary, `run ${runId} result "${name}" summary`), nowIso()).lastInsertRowid);
      for (const [tensorName, input] of Object.entries(out.tensors ?? {})) {
        const t = normalizeTensor(input, `run ${runId} result "${name}" tensor "${tensorName}"`);
        insertTensor.run(id, tensorName, t.dtype, JSON.stringify(t.shape), t.data.length, tensorBlob(t));
      }
      ids.push(id);
    }
    return ids;
  }

  listForRun(runId: number): ResultMeta[] {
    const rows = this.db.prepare('SELECT * FROM results WHERE run_id = ? ORDER BY id').all(runId) as ResultRow[];
    return rows.map((r) => this.meta(r));
  }

  getMeta(resultId: number): ResultMeta {
    return this.meta(this.row(resultId));
  }

  /** The result with all its tensors decoded. */
  get(resultId: number): ResultRecord {
    const row = this.row(resultId);
    const tensorRows = this.db.prepare('SELECT name, dtype, shape_json, data FROM result_tensors WHERE result_id = ? ORDER BY name').all(resultId) as Array<{
      name: string;
      dtype: string;
      shape_json: string;
      data: Buffer;
    }>;
    const tensors = new Map<string, StoredTensor>();
    for (const t of tensorRows) tensors.set(t.name, tensorFromRow(t, `result ${resultId} tensor "${t.name}"`));
    return { id: row.id, runId: row.run_id, name: row.name, summary: parseJsonText(row.summary_json, `result ${resultId} summary`), createdAt: row.created_at, tensors };
  }

  tensor(resultId: number, name: string): StoredTensor {
    const row = this.db.prepare('SELECT dtype, shape_json, data FROM result_tensors WHERE result_id = ? AND name = ?').get(resultId, name) as
      | { dtype: string; shape_json: string; data: Buffer }
      | undefined;
    if (!row) throw new NoSuchRowError('result_tensors', `${resultId}/${name}`);
    return tensorFromRow(row, `result ${resultId} tensor "${name}"`);
  }

  private row(resultId: number): ResultRow {
    const row = this.db.prepare('SELECT * FROM results WHERE id = ?').get(resultId) as ResultRow | undefined;
    if (!row) throw new NoSuchRowError('results', resultId);
    return row;
  }

  private meta(r: ResultRow): ResultMeta {
    const tensors = (this.db.prepare('SELECT name, dtype, shape_json FROM result_tensors WHERE result_id = ? ORDER BY name').all(r.id) as Array<{
      name: string;
      dtype: string;
      shape_json: string;
    }>).map((t) => ({ name: t.name, dtype: t.dtype, shape: parseJsonText<number[]>(t.shape_json, `result ${r.id} tensor "${t.name}" shape`) }));
    return { id: r.id, runId: r.run_id, name: r.name, summary: parseJsonText(r.summary_json, `result ${r.id} summary`), createdAt: r.created_at, tensors };
  }
}
