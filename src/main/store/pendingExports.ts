/**
 * An export writes `<dest>.partial-<pid>` and links it into place; a process killed midway
 * leaves that file (tens of MB) where nothing would find it. Each export records its partial
 * path in a small journal folder first; the next start (any project open) removes the partial
 * files of exports whose process is gone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** CWB_STATE_DIR overrides the folder (tests; a user who wants it elsewhere). */
export function pendingExportsDir(): string {
  const base = process.env.CWB_STATE_DIR ?? path.join(os.tmpdir(), `circuit-workbench-${process.getuid?.() ?? 'user'}`);
  return path.join(base, 'pending-exports');
}

/** The partial file and the side files SQLite may have made beside it. */
const partialFiles = (tmp: string): string[] => [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`];

const active = new Set<string>();
let counter = 0;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Note `tmp` before it is written; the returned function forgets it once the export ended (either way). */
export function recordPendingExport(tmp: string): () => void {
  const dir = pendingExportsDir();
  fs.mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, `${process.pid}-${++counter}.json`);
  fs.writeFileSync(entry, JSON.stringify({ pid: process.pid, tmp }));
  active.add(entry);
  return () => {
    active.delete(entry);
    fs.rmSync(entry, { force: true });
  };
}

/** Remove the partial files of exports whose process died; returns the files removed. Best effort. */
export function sweepInterruptedExports(): string[] {
  const dir = pendingExportsDir();
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return removed;
  }
  for (const name of names) {
    const entry = path.join(dir, name);
    try {
      const { pid, tmp } = JSON.parse(fs.readFileSync(entry, 'utf8')) as { pid: number; tmp: string };
      const ours = pid === process.pid && active.has(entry);
      if (ours || (pid !== process.pid && processAlive(pid))) continue;
      // Only files named as our partials are touched, whatever the entry says.
      if (typeof tmp === 'string' && tmp.endsWith(`.partial-${pid}`)) {
        for (const f of partialFiles(tmp)) {
          if (fs.existsSync(f)) {
            fs.rmSync(f, { force: true });
            removed.push(f);
          }
        }
      }
      fs.rmSync(entry, { force: true });
    } catch {
      // An unreadable entry is left for a later sweep.
    }
  }
  return removed;
}
