/**
 * Vitest global setup: build the main, preload and renderer bundles once before any test file
 * runs, so the browser tests and the bundle tests share one build instead of racing on out/.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function buildOnce(): void {
  const root = resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [resolve(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'pipe' });
}
