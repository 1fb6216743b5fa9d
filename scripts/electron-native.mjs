#!/usr/bin/env node
/**
 * The Electron-ABI build of better-sqlite3 for `npm start`, kept apart from the Node build that
 * `npm install` made (the CLI, `serve` and the tests use that one). Electron 41 runs ABI 145,
 * Node 20 ABI 115: one .node file cannot serve both, so the Electron one lives in
 *   node_modules/.cwb-electron/better-sqlite3-<version>-electron-<electron>-<platform>-<arch>/build/Release/
 * and the store picks it through better-sqlite3's `nativeBinding` option (src/main/store/sqliteBinding.ts).
 *   node scripts/electron-native.mjs           fetch it if missing (better-sqlite3's own prebuilt binary)
 *   node scripts/electron-native.mjs --check   only report (exit 1 if missing)
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BINDING_FILE, electronNativeDir, nodeModulesOf } from './native-paths.mjs';

function packageVersion(packageDir) {
  return JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
}

/**
 * Fetch better-sqlite3's prebuilt binary for the Electron runtime with the prebuild-install it
 * depends on. The download host follows better-sqlite3's package.json (GitHub releases) unless
 * npm_config_better_sqlite3_binary_host names a mirror.
 */
export function runPrebuildInstall(targetDir, { sqliteDir, electronVersion, platform, arch, env = process.env, nodePath = process.execPath }) {
  const bin = createRequire(join(sqliteDir, 'package.json')).resolve('prebuild-install/bin.js');
  const args = [bin, '--runtime', 'electron', '--target', electronVersion, '--platform', platform, '--arch', arch, '--verbose'];
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(nodePath, args, { cwd: targetDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ status: 1, output: `${output}${String(error)}` }));
    child.on('close', (code) => resolve({ status: code ?? 1, output }));
  });
}

/** Last lines of a tool's output, for an error message that stays short. */
function tail(text, lines = 8) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Make sure the Electron build exists: does nothing when it does (idempotent), otherwise fetches
 * it into a fresh folder. Resolves to 0 on success, 1 (after saying why and how to fix it) on failure;
 * a failed attempt leaves no half-made folder behind.
 */
export async function ensureElectronNative(nodeModulesDir, options = {}) {
  const { checkOnly = false, log = console.log, error = console.error, env = process.env, platform = process.platform, arch = process.arch } = options;
  const sqliteDir = join(nodeModulesDir, 'better-sqlite3');
  const sqliteVersion = packageVersion(sqliteDir);
  const electronVersion = options.electronVersion ?? packageVersion(join(nodeModulesDir, 'electron'));
  const dir = electronNativeDir(nodeModulesDir, { sqliteVersion, electronVersion, platform, arch });
  const binding = join(dir, BINDING_FILE);
  if (existsSync(binding)) return 0;
  if (checkOnly) {
    error(`better-sqlite3 ${sqliteVersion} has no build for Electron ${electronVersion} yet (${binding} is missing).`);
    return 1;
  }
  log(`better-sqlite3 ${sqliteVersion}: fetching its prebuilt binary for Electron ${electronVersion} (${platform}-${arch}) once…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // prebuild-install reads the package's name, version and binary host from the folder it runs in.
  copyFileSync(join(sqliteDir, 'package.json'), join(dir, 'package.json'));
  const run = await (options.runPrebuild ?? runPrebuildInstall)(dir, { sqliteDir, electronVersion, platform, arch, env });
  if (run.status === 0 && existsSync(binding)) {
    log(`better-sqlite3 for Electron ${electronVersion} is ready (${binding}).`);
    return 0;
  }
  rmSync(dir, { recursive: true, force: true });
  error(
    [
      `Could not fetch better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${platform}-${arch}): the desktop app cannot open projects without it.`,
      tail(run.output),
      'Fixes: check the network (behind a proxy set HTTPS_PROXY; for a mirror set npm_config_better_sqlite3_binary_host), then run `npm start` again;',
      `or build it from source into that folder: cd ${sqliteDir} && npx node-gyp rebuild --runtime=electron --target=${electronVersion} --dist-url=https://electronjs.org/headers, then copy ${BINDING_FILE} to ${dir}/${BINDING_FILE} and run \`npm rebuild better-sqlite3\` to restore the Node build.`,
      'The browser version needs no Electron build: npm run serve',
    ].join('\n'),
  );
  return 1;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  let nodeModulesDir;
  try {
    nodeModulesDir = nodeModulesOf();
  } catch {
    console.error('better-sqlite3 is not installed: run npm install first.');
    process.exit(1);
  }
  process.exit(await ensureElectronNative(nodeModulesDir, { checkOnly: process.argv.includes('--check') }));
}
