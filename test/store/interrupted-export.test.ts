/**
 * An export killed midway leaves `<dest>.partial-<pid>`; the next start (any project open)
 * removes it, and a finished export leaves nothing but the copy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectStore } from '../../src/main/store';
import { spawnTsx, waitForExit, waitForLine } from './fixtures/child';
import { listDir, makeTempDir, removeDir } from './helpers';

let dir: string;
const savedStateDir = process.env.CWB_STATE_DIR;

beforeAll(() => {
  dir = makeTempDir();
  process.env.CWB_STATE_DIR = path.join(dir, 'state'); // inherited by the child
});
afterAll(() => {
  if (savedStateDir === undefined) delete process.env.CWB_STATE_DIR;
  else process.env.CWB_STATE_DIR = savedStateDir;
  removeDir(dir);
});

/** A project big enough (~64 MB of notes) that VACUUM INTO takes a while. */
function bigProject(file: string): void {
  const store = ProjectStore.open(file, { create: true });
  const insert = store.connection.prepare("INSERT INTO notes (body, created_at, updated_at) VALUES (?, '2026-01-01', '2026-01-01')");
  let s = 12345;
  const chunk = (): string => {
    const chars = new Array<string>(1 << 20);
    for (let i = 0; i < chars.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      chars[i] = String.fromCharCode(97 + (s >>> 16) % 26);
    }
    return chars.join('');
  };
  store.connection.transaction(() => {
    for (let i = 0; i < 64; i++) insert.run(chunk());
  })();
  store.close();
}

describe('interrupted export', () => {
  it('a child killed during export leaves a partial file, which the next open removes', async () => {
    const src = path.join(dir, 'big.cwb');
    bigProject(src);
    const outDir = path.join(dir, 'out');
    fs.mkdirSync(outDir);
    const dest = path.join(outDir, 'copy.cwb');
    const child = spawnTsx('test/store/fixtures/export-project.ts', [src, dest]);
    await waitForLine(child, /^exporting$/);
    const partial = `${dest}.partial-${child.pid}`;
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(partial) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    child.kill('SIGKILL');
    await waitForExit(child);
    // The kill landed mid-export: the partial is there and the export never completed.
    expect(listDir(outDir)).toContain(path.basename(partial));
    expect(fs.existsSync(dest)).toBe(false);

    ProjectStore.open(src).close(); // the next start
    expect(listDir(outDir)).toEqual([]);
    expect(listDir(path.join(dir, 'state', 'pending-exports'))).toEqual([]);
  });

  it('a finished export leaves only the copy, and the copy opens', () => {
    const src = path.join(dir, 'small.cwb');
    ProjectStore.open(src, { create: true }).close();
    const outDir = path.join(dir, 'out2');
    fs.mkdirSync(outDir);
    const store = ProjectStore.open(src);
    store.exportTo(path.join(outDir, 'copy.cwb'));
    store.close();
    expect(listDir(outDir)).toEqual(['copy.cwb']);
    ProjectStore.open(path.join(outDir, 'copy.cwb')).close();
    expect(listDir(outDir)).toEqual(['copy.cwb']);
    expect(listDir(path.join(dir, 'state', 'pending-exports'))).toEqual([]);
  });
});
