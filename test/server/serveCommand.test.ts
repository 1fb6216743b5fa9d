/**
 * The `serve` entry point as a user runs it (tsx src/server/index.ts in a child process): a --host
 * off loopback prints the warning, the printed link works once, --allow-host names are accepted
 * and others refused, the confined folders are printed, and --tls-cert without --tls-key is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const started: ChildProcess[] = [];

afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGTERM');
  await removeTmpDirs();
});

/**
 * Start serve and collect its output until it prints the link (or exits). stdout and stderr are
 * separate pipes, so a warning written before the link can arrive after it: with `stderrUntil`,
 * also wait for stderr to match.
 */
function serve(args: string[], stderrUntil?: RegExp): Promise<{ child: ChildProcess; stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [TSX, join(ROOT, 'src/server/index.ts'), ...args], { cwd: ROOT, env: { ...process.env, CWB_BACKEND: 'cpu' } });
  started.push(child);
  let stdout = '';
  let stderr = '';
  return new Promise((done) => {
    const timer = setTimeout(() => done({ child, stdout, stderr, code: null }), 90_000);
    const check = (): void => {
      if (!/^Open \S+/m.test(stdout) || (stderrUntil && !stderrUntil.test(stderr))) return;
      clearTimeout(timer);
      done({ child, stdout, stderr, code: null });
    };
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      check();
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      check();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ child, stdout, stderr, code });
    });
  });
}

function get(port: number, path: string, host: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', fail);
    req.end();
  });
}

describe('npm run serve', () => {
  it('off loopback: warns, prints a one-time link on the --allow-host name, and refuses other names', async () => {
    const model = await makeTmpDir('cwb-serve-cmd-model-');
    await writeRandomModel(model);
    const renderer = await makeTmpDir('cwb-serve-cmd-renderer-');
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>w</title>');
    const data = await makeTmpDir('cwb-serve-cmd-data-');
    const extra = await makeTmpDir('cwb-serve-cmd-extra-');
    const run = await serve(['--host', '0.0.0.0', '--port', '0', '--renderer', renderer, '--data-dir', data, '--model', model, '--allow-host', 'box.lan', '--allow-dir', extra], /^warning: .*\n/m);
    expect(run.code, run.stderr).toBeNull();
    expect(run.stderr).toMatch(/warning: listening on 0\.0\.0\.0, not loopback.*plain HTTP.*--tls-cert and --tls-key.*--allow-host/);
    expect(run.stdout).toContain(`File operations are confined to: ${data}, ${extra}`);
    const link = new URL(/^Open (\S+)/m.exec(run.stdout)![1]);
    expect(link.hostname).toBe('box.lan');
    const port = Number(link.port);
    const path = `${link.pathname}${link.search}`;
    expect(await get(port, path, `evil.example:${port}`)).toBe(403);
    expect(await get(port, path, `box.lan:${port}`)).toBe(303);
    expect(await get(port, path, `box.lan:${port}`)).toBe(401);
    run.child.kill('SIGTERM');
  });

  it('refuses --tls-cert without --tls-key', async () => {
    const run = await serve(['--tls-cert', '/nonexistent.pem', '--port', '0']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--tls-cert and --tls-key go together');
  });
});
