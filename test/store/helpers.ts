/** Shared helpers for store and job tests: temp dirs and file fingerprints. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function makeTempDir(prefix = 'cwb-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Names in `dir`, sorted (to show that no side files appeared). */
export function listDir(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}
