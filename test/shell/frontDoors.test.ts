/**
 * The CLI and `serve` run the built bundles (out/main/cli.js, out/main/server.js, built once by
 * test/setup/buildOnce.ts), the same build as the desktop app; tsx is needed only for development.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const dataDir = mkdtempSync(path.join(tmpdir(), 'cwb-front-doors-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('front doors', () => {
  it('tsx is a development dependency only; serve runs the built server', () => {
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.devDependencies.tsx).toBeDefined();
    expect(pkg.scripts.serve).toMatch(/node out\/main\/server\.js/);
    expect(pkg.scripts.serve).not.toMatch(/tsx/);
  });

  it('the bin runs the built CLI', () => {
    const bin = path.join(ROOT, pkg.bin['circuit-workbench']);
    expect(readFileSync(bin, 'utf8')).toContain('../out/main/cli.js');
    expect(readFileSync(bin, 'utf8')).not.toMatch(/tsx/);
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: circuit-workbench <command>/);
  });

  it('the built server starts and serves the built renderer', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'out/main/server.js'), '--port', '0', '--data-dir', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /Open (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        let err = '';
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
      });
      // The printed link's one-time token is exchanged for a session cookie (303), then the page.
      const login = await fetch(url, { redirect: 'manual' });
      expect(login.status).toBe(303);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
      expect(cookie).toMatch(/^cwb_session_\d+=/);
      const page = await fetch(new URL('/', url), { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/http-equiv="Content-Security-Policy"/);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 120_000);
});
