/**
 * Where the job worker's entry lives: the one place a bundle may need to change. From
 * TypeScript source (tsx, vitest) the worker starts a tiny script that registers tsx's
 * loader and then imports worker-entry.ts (Node 20 does not apply `--import` hooks inside
 * workers); from a build it is worker-entry.js beside this module. A bundle whose layout
 * differs passes its own WorkerEntry to the JobRunner.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WORKER_ENTRY } from './handlers/modules';

export interface WorkerEntry {
  /** What `new Worker()` receives: a module URL, or script text when `eval` is true. */
  spec: URL | string;
  eval?: boolean;
  execArgv?: string[];
}

/** File URL of tsx's ESM registration API, found through its package.json exports. */
export function tsxEsmApiUrl(from: string): string {
  const pkgFile = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api'].import.default)).href;
}

export function defaultWorkerEntry(): WorkerEntry {
  const here = import.meta.url;
  const entryTs = new URL(`./${WORKER_ENTRY}.ts`, here);
  if (/\.[cm]?ts$/.test(here) || !fs.existsSync(new URL(`./${WORKER_ENTRY}.js`, here))) {
    const api = JSON.stringify(tsxEsmApiUrl(here));
    return { spec: `import(${api}).then((m) => { m.register(); return import(${JSON.stringify(entryTs.href)}); });`, eval: true };
  }
  return { spec: new URL(`./${WORKER_ENTRY}.js`, here) };
}
