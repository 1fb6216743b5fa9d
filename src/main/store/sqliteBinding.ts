/**
 * Which native build of better-sqlite3 this process loads. Node (CLI, `serve`, tests) loads the
 * one `npm install` built in node_modules/better-sqlite3; Electron, whose ABI differs, loads the
 * separate Electron build that `npm start` fetches on first start (scripts/electron-native.mjs).
 * A packaged app has none there: electron-builder rebuilt the package's own copy for Electron.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BINDING_FILE, electronNativeDir, nodeModulesOf } from '../../../scripts/native-paths.mjs';

export interface Runtime {
  /** process.versions.electron: set only inside Electron (main process and its worker threads). */
  electron?: string;
  platform: string;
  arch: string;
}

export function currentRuntime(): Runtime {
  return { electron: process.versions.electron, platform: process.platform, arch: process.arch };
}

/** The Electron build's binding file for this runtime (whether or not it exists yet). */
export function electronSqliteBinding(runtime: Runtime, nodeModulesDir: string = nodeModulesOf(import.meta.url)): string {
  const pkg = JSON.parse(readFileSync(join(nodeModulesDir, 'better-sqlite3', 'package.json'), 'utf8')) as { version: string };
  const dir = electronNativeDir(nodeModulesDir, { sqliteVersion: pkg.version, electronVersion: runtime.electron ?? '', platform: runtime.platform, arch: runtime.arch });
  return join(dir, BINDING_FILE);
}

/**
 * The `nativeBinding` option for `new Database()`: undefined means better-sqlite3's default
 * lookup (the Node build, or a packaged app's rebuilt copy).
 */
export function sqliteNativeBinding(runtime: Runtime = currentRuntime(), nodeModulesDir?: string): string | undefined {
  if (!runtime.electron) return undefined;
  const file = electronSqliteBinding(runtime, nodeModulesDir);
  return existsSync(file) ? file : undefined;
}

let chosen: { binding: string | undefined } | undefined;

/** Options for `new Database()` with this process's binding (looked up once). */
export function withSqliteBinding<T extends object>(options: T): T & { nativeBinding?: string } {
  chosen ??= { binding: sqliteNativeBinding() };
  return chosen.binding === undefined ? options : { ...options, nativeBinding: chosen.binding };
}
