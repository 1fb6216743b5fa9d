/**
 * The CLI's --model takes a Hugging Face id: refused with the way out when it is not in the cache,
 * downloaded with --download (progress on stderr) from a local fake hub, then read from the cache.
 * The real bin runs in a child process (asynchronously, so the hub in this process can answer).
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub, repoFromFolder } from '../helpers/fakeHub';
import { makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';

const BIN = resolve(import.meta.dirname, '../../bin/circuit-workbench.mjs');
let hub: FakeHub;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  hub = new FakeHub();
  const endpoint = await hub.start();
  const source = await makeTmpDir('cwb-cli-hub-');
  await writeRandomModel(source, { n_layer: 3, n_embd: 24, n_head: 3 }, 31);
  hub.repos.set('org/tiny', await repoFromFolder(source));
  const cache = await makeTmpDir('cwb-cli-cache-');
  env = { ...process.env, HF_ENDPOINT: endpoint, HF_HUB_CACHE: cache, HF_HOME: join(cache, 'home'), HF_TOKEN: '', CWB_BACKEND: 'cpu' };
});
afterAll(async () => {
  await hub?.stop();
  await removeTmpDirs();
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 120_000 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('--model with a Hugging Face id', () => {
  it('is refused without --download, naming the cache and the flag, with no request', async () => {
    const r = await cli(['info', '--model', 'org/tiny']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/org\/tiny: not a model folder, and not complete in the Hugging Face cache at .*models--org--tiny.*--download/);
    expect(hub.log).toEqual([]);
  });

  it('downloads with --download, showing progress, then opens from the cache with no request', async () => {
    const r = await cli(['info', '--model', 'org/tiny', '--download', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const percents = r.stderr.split('\n').filter((l) => l.startsWith('Downloading ')).map((l) => Number(/: (\d+)% \(/.exec(l)?.[1]));
    expect(percents.length).toBeGreaterThan(1);
    percents.slice(1).forEach((p, i) => expect(p).toBeGreaterThanOrEqual(percents[i]));
    expect(percents.at(-1)).toBe(100);
    expect(JSON.parse(r.stdout)).toMatchObject({ architecture: { nLayer: 3, dModel: 24 } });
    hub.log.length = 0;
    const again = await cli(['info', '--model', 'org/tiny@main', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ architecture: { nLayer: 3 } });
    expect(hub.log).toEqual([]);
  });
});
