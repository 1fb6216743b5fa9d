/**
 * One process at a time owns a project: the `store_lock` row names it (pid, host, heartbeat).
 * A row left by a dead process is stale and taken over; that is also how the store knows
 * that runs still marked 'running' were interrupted.
 */
import os from 'node:os';
import type Database from 'better-sqlite3';
import { nowIso } from './values';

/** A holder on another host is presumed dead when its heartbeat is older than this. */
export const STALE_HEARTBEAT_MS = 120_000;
export const HEARTBEAT_INTERVAL_MS = 30_000;

export interface LockHolder {
  pid: number;
  host: string;
  openedAt: string;
  heartbeatAt: string;
}

export function readLock(db: Database.Database): LockHolder | undefined {
  const row = db.prepare('SELECT pid, host, opened_at, heartbeat_at FROM store_lock WHERE id = 1').get() as
    | { pid: number; host: string; opened_at: string; heartbeat_at: string }
    | undefined;
  return row && { pid: row.pid, host: row.host, openedAt: row.opened_at, heartbeatAt: row.heartbeat_at };
}

/** Whether the holder still runs. Our own pid counts as dead: the in-process registry guards that case. */
export function holderIsAlive(holder: LockHolder, now = Date.now()): boolean {
  if (holder.host !== os.hostname()) return now - Date.parse(holder.heartbeatAt) < STALE_HEARTBEAT_MS;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function describeHolder(h: LockHolder): string {
  return `process ${h.pid} on ${h.host}, opened ${h.openedAt}`;
}

/** Write our lock row. Call inside the transaction that checked the previous holder. */
export function writeLock(db: Database.Database): void {
  const now = nowIso();
  db.prepare('INSERT OR REPLACE INTO store_lock (id, pid, host, opened_at, heartbeat_at) VALUES (1, ?, ?, ?, ?)').run(process.pid, os.hostname(), now, now);
}

export function touchLock(db: Database.Database): void {
  db.prepare('UPDATE store_lock SET heartbeat_at = ? WHERE id = 1 AND pid = ? AND host = ?').run(nowIso(), process.pid, os.hostname());
}

export function releaseLock(db: Database.Database): void {
  db.prepare('DELETE FROM store_lock WHERE id = 1 AND pid = ? AND host = ?').run(process.pid, os.hostname());
}
