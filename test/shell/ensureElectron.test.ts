/** scripts/ensure-electron.mjs against a stand-in electron package in a temp dir (real files, real child process). */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { electronStatus, ensureElectron, platformPath } from '../../scripts/ensure-electron.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A package dir whose install.js runs `installBody` (CommonJS, like electron's). */
function fakePackage(installBody: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cwb-electron-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'electron', version: '41.7.1' }));
  writeFileSync(join(dir, 'install.js'), installBody);
  return dir;
}

const INSTALLS = `
const fs = require('fs'), path = require('path');
const bin = ${JSON.stringify(platformPath())};
fs.mkdirSync(path.dirname(path.join(__dirname, 'dist', bin)), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'dist', 'version'), 'v41.7.1');
fs.writeFileSync(path.join(__dirname, 'dist', bin), 'binary');
fs.writeFileSync(path.join(__dirname, 'path.txt'), bin);
fs.writeFileSync(path.join(__dirname, 'ran-installer'), '1');
`;

const quiet = { log: () => undefined, error: () => undefined };

describe('ensure-electron', () => {
  it('reports a missing binary and, with --check, does not install', () => {
    const dir = fakePackage(INSTALLS);
    expect(electronStatus(dir)).toMatchObject({ installed: false, reason: 'the Electron binary has not been downloaded' });
    expect(ensureElectron(dir, { ...quiet, checkOnly: true })).toBe(1);
    expect(existsSync(join(dir, 'ran-installer'))).toBe(false);
  });

  it('runs the package installer when the binary is missing', () => {
    const dir = fakePackage(INSTALLS);
    expect(ensureElectron(dir, quiet)).toBe(0);
    expect(existsSync(join(dir, 'ran-installer'))).toBe(true);
    expect(electronStatus(dir).installed).toBe(true);
  });

  it('does nothing when the right version is already there', () => {
    const dir = fakePackage(INSTALLS);
    ensureElectron(dir, quiet);
    rmSync(join(dir, 'ran-installer'));
    expect(ensureElectron(dir, quiet)).toBe(0);
    expect(existsSync(join(dir, 'ran-installer'))).toBe(false);
  });

  it('reinstalls when dist holds another version', () => {
    const dir = fakePackage(INSTALLS);
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'version'), 'v40.0.0');
    expect(electronStatus(dir).reason).toBe('dist is Electron 40.0.0, the package wants 41.7.1');
    expect(ensureElectron(dir, quiet)).toBe(0);
  });

  it('says what to do when the download fails', () => {
    const dir = fakePackage("console.error('download failed'); process.exit(1);");
    const errors: string[] = [];
    expect(ensureElectron(dir, { log: () => undefined, error: (l) => errors.push(l) })).toBe(1);
    expect(errors.join('\n')).toContain('ELECTRON_MIRROR');
    expect(errors.join('\n')).toContain('npm run serve');
  });
});
