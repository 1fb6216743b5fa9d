/**
 * Circuits and their versions. Every save appends a version (never overwrites one), so an
 * edit can be undone (revert appends a copy of an older version) and any two versions compared.
 */
import type Database from 'better-sqlite3';
import { InvalidDataError, NoSuchRowError, VersionConflictError } from '../errors';
import { nowIso, parseJsonText, toJsonText } from '../values';
import { validateCircuitGraph, type CircuitGraph } from './circuit-graph';

export interface CircuitRecord {
  id: number;
  name: string;
  modelId: number | null;
  headVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface CircuitVersionMeta {
  circuitId: number;
  version: number;
  parentVersion: number | null;
  message: string | null;
  createdAt: string;
}

export interface CircuitVersion extends CircuitVersionMeta {
  graph: CircuitGraph;
}

interface CircuitRow {
  id: number;
  name: string;
  model_id: number | null;
  head_version: number;
  created_at: string;
  updated_at: string;
}

interface VersionRow {
  circuit_id: number;
  version: number;
  parent_version: number | null;
  message: string | null;
  created_at: string;
  graph_json?: string;
}

const toRecord = (r: CircuitRow): CircuitRecord => ({ id: r.id, name: r.name, modelId: r.model_id, headVersion: r.head_version, createdAt: r.created_at, updatedAt: r.updated_at });
const toMeta = (r: VersionRow): CircuitVersionMeta => ({ circuitId: r.circuit_id, version: r.version, parentVersion: r.parent_version, message: r.message, createdAt: r.created_at });

export class CircuitRepo {
  constructor(private readonly db: Database.Database) {}

  create(input: { name: string; graph: CircuitGraph; modelId?: number; message?: string }): CircuitRecord {
    if (!input.name?.trim()) throw new InvalidDataError('circuit: name must be a non-empty string');
    const graphText = toJsonText(validateCircuitGraph(input.graph, `circuit "${input.name}"`), `circuit "${input.name}" graph`);
    const id = this.db.transaction(() => {
      const now = nowIso();
      const circuitId = Number(
        this.db.prepare('INSERT INTO circuits (name, model_id, head_version, created_at, updated_at) VALUES (?, ?, 1, ?, ?)').run(input.name, input.modelId ?? null, now, now).lastInsertRowid,
      );
      this.db
        .prepare('INSERT INTO circuit_versions (circuit_id, version, parent_version, graph_json, message, created_at) VALUES (?, 1, NULL, ?, ?, ?)')
        .run(circuitId, graphText, input.message ?? null, now);
      return circuitId;
    }).immediate();
    return this.get(id);
  }

  /**
   * Append a new version (parent: the current head unless given) and make it the head. Returns its
   * number. With `baseVersion`, the save is refused (VersionConflictError) unless that is still the
   * head: checked inside the write transaction, so of two saves from one base only the first lands.
   */
  save(circuitId: number, graph: CircuitGraph, opts: { message?: string; parentVersion?: number; baseVersion?: number } = {}): number {
    const graphText = toJsonText(validateCircuitGraph(graph, `circuit ${circuitId}`), `circuit ${circuitId} graph`);
    return this.db
      .transaction(() => {
        if (opts.baseVersion !== undefined) {
          const head = this.get(circuitId).headVersion;
          if (head !== opts.baseVersion) throw new VersionConflictError(circuitId, opts.baseVersion, head);
        }
        return this.appendVersion(circuitId, graphText, opts.message ?? null, opts.parentVersion ?? opts.baseVersion);
      })
      .immediate();
  }

  /** Undo to `version`: append a copy of it as the new head (history is kept). */
  revert(circuitId: number, version: number): number {
    return this.db.transaction(() => {
      const old = this.versionRow(circuitId, version);
      return this.appendVersion(circuitId, old.graph_json as string, `revert to version ${version}`, version);
    }).immediate();
  }

  get(id: number): CircuitRecord {
    const row = this.db.prepare('SELECT * FROM circuits WHERE id = ?').get(id) as CircuitRow | undefined;
    if (!row) throw new NoSuchRowError('circuits', id);
    return toRecord(row);
  }

  list(): CircuitRecord[] {
    return (this.db.prepare('SELECT * FROM circuits ORDER BY id').all() as CircuitRow[]).map(toRecord);
  }

  versions(circuitId: number): CircuitVersionMeta[] {
    this.get(circuitId);
    const rows = this.db.prepare('SELECT circuit_id, version, parent_version, message, created_at FROM circuit_versions WHERE circuit_id = ? ORDER BY version').all(circuitId) as VersionRow[];
    return rows.map(toMeta);
  }

  /** One version with its graph; the head when `version` is omitted. */
  version(circuitId: number, version?: number): CircuitVersion {
    const v = version ?? this.get(circuitId).headVersion;
    const row = this.versionRow(circuitId, v);
    return { ...toMeta(row), graph: parseJsonText<CircuitGraph>(row.graph_json as string, `circuit ${circuitId} version ${v} graph`) };
  }

  rename(id: number, name: string): void {
    if (!name?.trim()) throw new InvalidDataError('circuit: name must be a non-empty string');
    this.db.transaction(() => {
      if (this.db.prepare('UPDATE circuits SET name = ?, updated_at = ? WHERE id = ?').run(name, nowIso(), id).changes !== 1) throw new NoSuchRowError('circuits', id);
    }).immediate();
  }

  remove(id: number): void {
    this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM circuits WHERE id = ?').run(id).changes !== 1) throw new NoSuchRowError('circuits', id);
    }).immediate();
  }

  private appendVersion(circuitId: number, graphText: string, message: string | null, parentVersion?: number): number {
    const circuit = this.get(circuitId);
    const parent = parentVersion ?? circuit.headVersion;
    this.versionRow(circuitId, parent);
    const next = (this.db.prepare('SELECT MAX(version) AS v FROM circuit_versions WHERE circuit_id = ?').get(circuitId) as { v: number }).v + 1;
    const now = nowIso();
    this.db
      .prepare('INSERT INTO circuit_versions (circuit_id, version, parent_version, graph_json, message, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(circuitId, next, parent, graphText, message, now);
    this.db.prepare('UPDATE circuits SET head_version = ?, updated_at = ? WHERE id = ?').run(next, now, circuitId);
    return next;
  }

  private versionRow(circuitId: number, version: number): VersionRow {
    const row = this.db.prepare('SELECT * FROM circuit_versions WHERE circuit_id = ? AND version = ?').get(circuitId, version) as VersionRow | undefined;
    if (!row) throw new NoSuchRowError('circuit_versions', `${circuitId}/v${version}`);
    return row;
  }
}
