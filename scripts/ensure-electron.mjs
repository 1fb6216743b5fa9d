#!/usr/bin/env node
/**
 * Make sure the Electron binary exists before `npm start`. The electron package downloads it in
 * its postinstall, which this project does not run (allowScripts: electron false), so on first
 * start we run node_modules/electron/install.js ourselves.
 *   node scripts/ensure-electron.mjs           install if missing
 *   node scripts/ensure-electron.mjs --check   only report (exit 1 if missing)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the binary lives inside the electron package, per platform (as electron/install.js has it). */
export function platformPath(platform = process.platform) {
  switch (platform) {
    case 'darwin':
    case 'mas':
      return 'Electron.app/Contents/MacOS/Electron';
    case 'win32':
      return 'electron.exe';
    default:
      return 'electron';
  }
}

/** { installed, version, binary, reason } for the electron package in `packageDir`. */
export function electronStatus(packageDir, platform = process.platform) {
  const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  const binary = join(packageDir, 'dist', platformPath(platform));
  const read = (file) => {
    try {
      return readFileSync(join(packageDir, file), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const distVersion = read('dist/version')?.replace(/^v/, '');
  if (distVersion !== version) {
    return { installed: false, version, binary, reason: distVersion ? `dist is Electron ${distVersion}, the package wants ${version}` : 'the Electron binary has not been downloaded' };
  }
  if (read('path.txt') !== platformPath(platform)) return { installed: false, version, binary, reason: 'path.txt is missing or names another platform' };
  if (!existsSync(binary)) return { installed: false, version, binary, reason: `${binary} is missing` };
  return { installed: true, version, binary, reason: 'installed' };
}

/** Run the package's own installer (it downloads, verifies checksums and unpacks). */
export function runInstaller(packageDir, nodePath = process.execPath) {
  // `npm start` needs the binary, so a skip flag left in the environment must not silently win.
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  return spawnSync(nodePath, [join(packageDir, 'install.js')], { cwd: packageDir, env, stdio: 'inherit' }).status ?? 1;
}

export function ensureElectron(packageDir, { checkOnly = false, log = console.log, error = console.error } = {}) {
  const before = electronStatus(packageDir);
  if (before.installed) return 0;
  if (checkOnly) {
    error(`Electron ${before.version} is not ready: ${before.reason}.`);
    return 1;
  }
  log(`Electron ${before.version}: ${before.reason}; downloading it once (about 100 MB)…`);
  const status = runInstaller(packageDir);
  const after = electronStatus(packageDir);
  if (status === 0 && after.installed) {
    log(`Electron ${after.version} is ready.`);
    return 0;
  }
  error(
    [
      `Could not install the Electron ${before.version} binary (${after.reason}).`,
      'If you are behind a proxy, set ELECTRON_GET_USE_PROXY=1 and HTTPS_PROXY; to use a mirror, set ELECTRON_MIRROR.',
      'Then run: node node_modules/electron/install.js',
      'The browser version needs no Electron: npm run serve',
    ].join('\n'),
  );
  return 1;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const require = createRequire(import.meta.url);
  let packageDir;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    console.error('The electron package is not installed: run npm install first.');
    process.exit(1);
  }
  process.exit(ensureElectron(packageDir, { checkOnly: process.argv.includes('--check') }));
}
