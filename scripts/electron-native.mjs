#!/usr/bin/env node
/**
 * The Electron-ABI build of better-sqlite3 for `npm start`, kept apart from the Node build that
 * `npm install` made (the CLI, `serve` and the tests use that one). Electron 41 runs ABI 145,
 * Node 20 ABI 115: one .node file cannot serve both, so the Electron one lives in
 *   node_modules/.cwb-electron/better-sqlite3-<version>-electron-<electron>-<platform>-<arch>/build/Release/
 * and the store picks it through better-sqlite3's `nativeBinding` option (src/main/store/sqliteBinding.ts).
 *   node scripts/electron-native.mjs           fetch it if missing (better-sqlite3's own prebuilt binary;
 *                                              without one, build it from source in that folder)
 *   node scripts/electron-native.mjs --check   only report (exit 1 if missing)
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
  return runTool(nodePath, [bin, '--runtime', 'electron', '--target', electronVersion, '--platform', platform, '--arch', arch, '--verbose'], targetDir, env);
}

/** Run a tool, collecting its output (for the error message). */
function runTool(nodePath, args, cwd, env) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(nodePath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ status: 1, output: `${output}${String(error)}` }));
    child.on('close', (code) => resolve({ status: code ?? 1, output }));
  });
}

/** node-gyp as npm runs it (npm sets npm_config_node_gyp for scripts), else the one beside npm. */
function nodeGypPath(env) {
  if (env.npm_config_node_gyp) return env.npm_config_node_gyp;
  if (env.npm_execpath) return join(env.npm_execpath, '..', '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return undefined;
}

/**
 * No prebuilt binary: compile better-sqlite3 for Electron inside the target folder (a copy of its
 * sources), so the Node build in node_modules/better-sqlite3 is never touched. Needs a C++
 * toolchain and Electron's headers (from npm_config_dist_url, default electronjs.org).
 */
export function buildFromSource(targetDir, { sqliteDir, electronVersion, arch, env = process.env, nodePath = process.execPath }) {
  const gyp = nodeGypPath(env);
  if (!gyp || !existsSync(gyp)) return Promise.resolve({ status: 1, output: 'node-gyp was not found (run this through npm: npm start).' });
  for (const part of ['binding.gyp', 'src', 'deps']) cpSync(join(sqliteDir, part), join(targetDir, part), { recursive: true });
  const distUrl = env.npm_config_dist_url || 'https://electronjs.org/headers';
  // npm on Debian exports npm_config_nodedir=/usr: node-gyp would then compile against Node's own
  // headers (the wrong ABI) instead of fetching Electron's for --target.
  const gypEnv = Object.fromEntries(Object.entries(env).filter(([key]) => key.toLowerCase() !== 'npm_config_nodedir'));
  return runTool(nodePath, [gyp, 'rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, `--arch=${arch}`, `--dist-url=${distUrl}`], targetDir, gypEnv);
}

/**
 * What a tool said went wrong, kept short: node-gyp's first error lines (its reason comes before
 * its stack and environment dump), else the last lines of the output.
 */
function reason(text, lines = 6) {
  const errors = text.split('\n').filter((line) => /ERR!/.test(line) && !/ERR! stack {4}at /.test(line));
  if (errors.length) return errors.slice(0, 3).join('\n');
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Make sure the Electron build exists: does nothing when it does (idempotent), otherwise fetches
 * it (or, without a prebuilt binary, builds it) into a fresh folder. Resolves to 0 on success, 1 (after saying why and how to fix it) on failure;
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
  const tools = { sqliteDir, electronVersion, platform, arch, env };
  const fetched = await (options.runPrebuild ?? runPrebuildInstall)(dir, tools);
  let built;
  if (fetched.status !== 0 || !existsSync(binding)) {
    log(`No prebuilt binary could be fetched; building better-sqlite3 for Electron ${electronVersion} from source (a few minutes)…`);
    built = await (options.buildFromSource ?? buildFromSource)(dir, tools);
  }
  if (existsSync(binding)) {
    // Keep only the binding: copied sources and build objects (tens of MB) are not needed at run time.
    const kept = join(dir, 'better_sqlite3.node.kept');
    renameSync(binding, kept);
    for (const part of ['src', 'deps', 'binding.gyp', 'build']) rmSync(join(dir, part), { recursive: true, force: true });
    mkdirSync(dirname(binding), { recursive: true });
    renameSync(kept, binding);
    log(`better-sqlite3 for Electron ${electronVersion} is ready (${binding}).`);
    return 0;
  }
  rmSync(dir, { recursive: true, force: true });
  error(
    [
      `Could not fetch or build better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${platform}-${arch}): the desktop app cannot open projects without it.`,
      'Fetching the prebuilt binary failed:',
      reason(fetched.output),
      'Building it from source failed:',
      reason(built?.output ?? ''),
      'Fixes: check the network (behind a proxy set HTTPS_PROXY; for a mirror of the binaries set npm_config_better_sqlite3_binary_host, of the Electron headers npm_config_dist_url), then run `npm start` again;',
      'building from source needs a C++ toolchain (build-essential and python3 on Debian/Ubuntu, Xcode command line tools on macOS, Visual Studio Build Tools on Windows).',
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
