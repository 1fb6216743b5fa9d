/**
 * Where the Electron-ABI build of better-sqlite3 lives, shared by the first-start step
 * (scripts/electron-native.mjs) and the store (src/main/store/sqliteBinding.ts). No side effects.
 */
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

/** Where the binding file sits inside a prebuilt package (and inside better-sqlite3's own build). */
export const BINDING_FILE = join('build', 'Release', 'better_sqlite3.node');

/** The folder holding the Electron build for these versions. */
export function electronNativeDir(nodeModulesDir, { sqliteVersion, electronVersion, platform = process.platform, arch = process.arch }) {
  return join(nodeModulesDir, '.cwb-electron', `better-sqlite3-${sqliteVersion}-electron-${electronVersion}-${platform}-${arch}`);
}

/** The node_modules folder that holds better-sqlite3, as `require` finds it from `from`. */
export function nodeModulesOf(from = import.meta.url) {
  return dirname(dirname(createRequire(from).resolve('better-sqlite3/package.json')));
}
