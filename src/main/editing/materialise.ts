/**
 * A project model as a folder the loader (and every job worker) can open: an unedited model is
 * its own folder; an edited one is exported once to `cacheRoot/<content hash>` (the base plus
 * its chain of edits, in the Hugging Face layout) and reused while it stays among the most
 * recently used `keep` folders. The export goes to a partial folder renamed into place, so a
 * cancelled or crashed export never leaves a folder that looks complete.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { ProjectStore } from '../store/project-store';
import { EditError } from './delta';
import { exportModelDir } from './exportModel';
import { openProjectModel } from './projectModel';

/** Edited-model folders kept in the cache (each is a full copy of the weights). */
export const EDITED_MODEL_CACHE_SIZE = 4;

export interface MaterialiseOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  keep?: number;
}

/** The folder that holds project model `modelId` (exported on first use when it is edited). */
export async function materialiseProjectModel(store: ProjectStore, modelId: number, cacheRoot: string, opts: MaterialiseOptions = {}): Promise<string> {
  const record = store.models.get(modelId);
  if (record.baseModelId === null) {
    if (!record.path) throw new EditError(`model ${record.id} ("${record.name}") has no folder on disk to load`);
    return record.path;
  }
  const dir = path.join(cacheRoot, record.contentHash.slice(0, 32));
  if (existsSync(path.join(dir, 'config.json'))) {
    const now = new Date();
    await utimes(dir, now, now); // most recently used
    return dir;
  }
  await exportProjectModel(store, modelId, dir, opts);
  await pruneCache(cacheRoot, opts.keep ?? EDITED_MODEL_CACHE_SIZE, dir);
  return dir;
}

/** Export project model `modelId` (edits applied) to `dir`, atomically: nothing at `dir` until it is complete. */
export async function exportProjectModel(store: ProjectStore, modelId: number, dir: string, opts: MaterialiseOptions = {}): Promise<void> {
  const opened = await openProjectModel(store, modelId);
  const partial = `${dir}.partial-${process.pid}`;
  try {
    const rootDir = opened.root.dir;
    const tokenizerJson = JSON.parse(await readFile(path.join(rootDir, 'tokenizer.json'), 'utf8')) as object;
    const configFile = path.join(rootDir, 'tokenizer_config.json');
    const tokenizerConfig = existsSync(configFile) ? (JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>) : undefined;
    await rm(partial, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    await exportModelDir(partial, opened.session.model, tokenizerJson, { tokenizerConfig, onProgress: opts.onProgress, signal: opts.signal });
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
  } finally {
    opened.dispose();
    await rm(partial, { recursive: true, force: true });
  }
}

/** Keep the `keep` most recently used folders of the cache (always `current`). */
async function pruneCache(cacheRoot: string, keep: number, current: string): Promise<void> {
  const entries = await readdir(cacheRoot, { withFileTypes: true });
  const dirs = await Promise.all(
    entries.filter((e) => e.isDirectory() && !e.name.includes('.partial-')).map(async (e) => {
      const full = path.join(cacheRoot, e.name);
      return { full, mtime: (await stat(full)).mtimeMs };
    }),
  );
  const old = dirs.filter((d) => d.full !== current).sort((a, b) => b.mtime - a.mtime).slice(Math.max(0, keep - 1));
  await Promise.all(old.map((d) => rm(d.full, { recursive: true, force: true })));
}
