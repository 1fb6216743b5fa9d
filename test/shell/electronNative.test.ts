/**
 * The two better-sqlite3 builds side by side: which one a process asks for (runtime faked), the
 * first-start step that fetches the Electron build (a real prebuild-install against a local HTTP
 * server standing in for the release host), and the startup check behind the app's dialog.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureElectronNative } from '../../scripts/electron-native.mjs';
import { BINDING_FILE, electronNativeDir } from '../../scripts/native-paths.mjs';
import { sqliteStartupProblem } from '../../src/main/shell/sqliteCheck';
import { electronSqliteBinding, sqliteNativeBinding, type Runtime } from '../../src/main/store/sqliteBinding';

const require = createRequire(import.meta.url);
const realSqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = (JSON.parse(readFileSync(join(realSqliteDir, 'package.json'), 'utf8')) as { version: string }).version;
/** The Node build npm installed: a real loadable binding to stand in for a downloaded one. */
const nodeBuild = join(realSqliteDir, BINDING_FILE);
const ELECTRON = '41.7.1';
const ELECTRON_ABI = '145';
const electron: Runtime = { electron: ELECTRON, platform: 'linux', arch: 'x64' };
const node: Runtime = { platform: 'linux', arch: 'x64' };

const dirs: string[] = [];
function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** npm's own CLI script: node-gyp is found beside it, as when `npm start` runs the step. */
const npmCli = realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim());

/** A node_modules folder with better-sqlite3's package.json and sources, and prebuild-install (linked to the real one). */
function fakeNodeModules(): string {
  const nm = join(tmp('cwb-native-'), 'node_modules');
  mkdirSync(join(nm, 'better-sqlite3'), { recursive: true });
  copyFileSync(join(realSqliteDir, 'package.json'), join(nm, 'better-sqlite3', 'package.json'));
  for (const part of ['binding.gyp', 'src', 'deps']) symlinkSync(join(realSqliteDir, part), join(nm, 'better-sqlite3', part));
  symlinkSync(dirname(require.resolve('prebuild-install/package.json')), join(nm, 'prebuild-install'));
  return nm;
}

describe('which build a process loads', () => {
  it('Node asks for the default build; Electron for the separate Electron build once it exists', () => {
    const nm = fakeNodeModules();
    expect(sqliteNativeBinding(node, nm)).toBeUndefined();
    const expected = join(electronNativeDir(nm, { sqliteVersion, electronVersion: ELECTRON, platform: 'linux', arch: 'x64' }), BINDING_FILE);
    expect(electronSqliteBinding(electron, nm)).toBe(expected);
    expect(expected).toContain(`better-sqlite3-${sqliteVersion}-electron-${ELECTRON}-linux-x64`);
    // Not fetched yet: the default lookup (a packaged app's rebuilt copy); the startup check catches a dev run.
    expect(sqliteNativeBinding(electron, nm)).toBeUndefined();
    mkdirSync(dirname(expected), { recursive: true });
    copyFileSync(nodeBuild, expected);
    expect(sqliteNativeBinding(electron, nm)).toBe(expected);
    expect(sqliteNativeBinding(node, nm)).toBeUndefined();
  });

  it('the nativeBinding path is what better-sqlite3 loads (a broken file there fails with its own path)', () => {
    const nm = fakeNodeModules();
    const file = electronSqliteBinding(electron, nm);
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(nodeBuild, file);
    const db = new Database(':memory:', { nativeBinding: sqliteNativeBinding(electron, nm) });
    expect(db.prepare('select 6 * 7 as x').get()).toEqual({ x: 42 });
    db.close();
    const broken = join(tmp('cwb-native-broken-'), 'better_sqlite3.node');
    writeFileSync(broken, 'not a shared object');
    expect(() => new Database(':memory:', { nativeBinding: broken })).toThrow(broken);
  });
});

describe('the startup check behind the dialog', () => {
  const expected = '/x/node_modules/.cwb-electron/b/build/Release/better_sqlite3.node';

  it('says the Electron build is missing in a development run, where it should be, and how to fix it', () => {
    let opened = false;
    const text = sqliteStartupProblem({ runtime: electron, packaged: false, binding: undefined, expected, open: () => (opened = true) });
    expect(text).toContain(`${expected} does not exist`);
    expect(text).toContain('node scripts/electron-native.mjs');
    expect(opened).toBe(false);
  });

  it("passes the loader's own error on, with the fix", () => {
    const message = 'The module was compiled against NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 145.';
    const text = sqliteStartupProblem({
      runtime: electron,
      packaged: true,
      binding: undefined,
      expected,
      open: () => {
        throw new Error(message);
      },
    });
    expect(text).toContain(message);
    expect(text).toContain('node scripts/electron-native.mjs');
  });

  it('is silent when the build loads, under Electron or Node', () => {
    const open = (): void => {
      new Database(':memory:').close();
    };
    expect(sqliteStartupProblem({ runtime: node, packaged: false, binding: undefined, expected, open })).toBeUndefined();
    expect(sqliteStartupProblem({ runtime: electron, packaged: false, binding: nodeBuild, expected, open })).toBeUndefined();
  });
});

describe('first start: fetching the Electron build', () => {
  const tarball = `better-sqlite3-v${sqliteVersion}-electron-v${ELECTRON_ABI}-linux-x64.tar.gz`;
  let server: Server;
  let host: string;
  const requests: string[] = [];
  let answer: 'tarball' | 'missing' = 'tarball';
  let tarBytes: Buffer;

  beforeAll(async () => {
    // The release asset as better-sqlite3 publishes it: build/Release/better_sqlite3.node in a tar.gz.
    const stage = tmp('cwb-native-stage-');
    mkdirSync(join(stage, 'build', 'Release'), { recursive: true });
    copyFileSync(nodeBuild, join(stage, BINDING_FILE));
    execFileSync('tar', ['-czf', join(stage, tarball), '-C', stage, 'build']);
    tarBytes = readFileSync(join(stage, tarball));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (answer === 'tarball' && req.url === `/v${sqliteVersion}/${tarball}`) {
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': tarBytes.length }).end(tarBytes);
      } else {
        res.writeHead(404).end('no such asset');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    requests.length = 0;
    answer = 'tarball';
  });

  // Binaries and Electron headers both come from the local server (or an unreachable one): nothing leaves the machine.
  const env = (host: string): NodeJS.ProcessEnv => ({
    ...process.env,
    npm_config_better_sqlite3_binary_host: host,
    npm_config_dist_url: host,
    npm_config_cache: tmp('cwb-npm-cache-'),
    npm_config_devdir: tmp('cwb-gyp-dev-'),
    npm_config_node_gyp: '',
    npm_execpath: npmCli,
    // What npm exports on Debian: it must not make node-gyp compile against Node's headers.
    npm_config_nodedir: '/usr',
  });
  const run = (nm: string, host: string, errors: string[] = [], checkOnly = false, extra: Parameters<typeof ensureElectronNative>[1] = {}): Promise<number> =>
    ensureElectronNative(nm, { electronVersion: ELECTRON, platform: 'linux', arch: 'x64', env: env(host), checkOnly, log: () => undefined, error: (l) => errors.push(l), ...extra });

  it('downloads the prebuilt binary into its own folder, leaving the Node build alone; a second start fetches nothing', async () => {
    const nm = fakeNodeModules();
    const nodeBuildBefore = readFileSync(nodeBuild);
    expect(await run(nm, host)).toBe(0);
    expect(requests).toEqual([`/v${sqliteVersion}/${tarball}`]);
    const file = electronSqliteBinding(electron, nm);
    expect(readFileSync(file).equals(nodeBuildBefore)).toBe(true);
    expect(readFileSync(nodeBuild).equals(nodeBuildBefore)).toBe(true);
    expect(existsSync(join(nm, 'better-sqlite3', 'build'))).toBe(false);
    expect(await run(nm, host)).toBe(0);
    expect(requests).toHaveLength(1);
  });

  it('with --check only reports a missing build', async () => {
    const nm = fakeNodeModules();
    const errors: string[] = [];
    expect(await run(nm, host, errors, true)).toBe(1);
    expect(requests).toEqual([]);
    expect(errors.join('\n')).toContain(electronSqliteBinding(electron, nm));
  });

  it('without a prebuilt binary builds from source in its own folder, keeping only the binding', async () => {
    const nm = fakeNodeModules();
    answer = 'missing';
    // Stands in for node-gyp (compiling SQLite takes minutes): it writes the binding where a build would.
    const compiled: string[] = [];
    const buildFromSource = async (dir: string) => {
      compiled.push(dir);
      mkdirSync(join(dir, 'build', 'Release', 'obj.target'), { recursive: true });
      copyFileSync(nodeBuild, join(dir, BINDING_FILE));
      return { status: 0, output: '' };
    };
    expect(await run(nm, host, [], false, { buildFromSource })).toBe(0);
    const dir = dirname(dirname(dirname(electronSqliteBinding(electron, nm))));
    expect(compiled).toEqual([dir]);
    expect(readdirSync(dir).sort()).toEqual(['build', 'package.json']);
    expect(readdirSync(join(dir, 'build', 'Release'))).toEqual(['better_sqlite3.node']);
  });

  it('reports a missing asset and a failed source build clearly, with the fixes, and leaves no half-made folder', async () => {
    const nm = fakeNodeModules();
    answer = 'missing';
    const errors: string[] = [];
    expect(await run(nm, host, errors)).toBe(1);
    const text = errors.join('\n');
    expect(text).toContain(`Could not fetch or build better-sqlite3 ${sqliteVersion} for Electron ${ELECTRON} (linux-x64)`);
    // prebuild-install's and node-gyp's own words: the binary is not on the host, nor are the headers.
    expect(text).toMatch(/Fetching the prebuilt binary failed:[\s\S]*404[\s\S]*Building it from source failed:[\s\S]*404/);
    expect(text).toContain('C++ toolchain');
    expect(text).toContain('npm_config_better_sqlite3_binary_host');
    expect(text).toContain('npm run serve');
    expect(readdirSync(join(nm, '.cwb-electron'))).toEqual([]);
  });

  it('reports an unreachable host clearly', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nm = fakeNodeModules();
    const errors: string[] = [];
    expect(await run(nm, `http://127.0.0.1:${port}`, errors)).toBe(1);
    expect(errors.join('\n')).toMatch(/ECONNREFUSED/);
    expect(existsSync(electronSqliteBinding(electron, nm))).toBe(false);
  });
});
