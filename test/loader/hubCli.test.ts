/**
 * The CLI's --model takes a Hugging Face id: refused with the way out when it is not in the cache,
 * downloaded with --download (progress on stderr) from a local fake hub, then read from the cache.
 * `study --models` takes ids the same way, labelled by the id.
 * The real bin runs in a child process (asynchronously, so the hub in this process can answer).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub, repoFromFolder } from '../helpers/fakeHub';
import { makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';
import { modelContentHash } from '../../src/main/api/project/modelHash';
import { defaultModelDir } from '../../src/main/services/modelSession';

const BIN = resolve(import.meta.dirname, '../../bin/circuit-workbench.mjs');
let hub: FakeHub;
let env: NodeJS.ProcessEnv;
let cache: string;

beforeAll(async () => {
  hub = new FakeHub();
  const endpoint = await hub.start();
  const source = await makeTmpDir('cwb-cli-hub-');
  await writeRandomModel(source, { n_layer: 3, n_embd: 24, n_head: 3 }, 31);
  hub.repos.set('org/tiny', await repoFromFolder(source));
  hub.repos.set('org/default', await repoFromFolder(defaultModelDir()));
  cache = await makeTmpDir('cwb-cli-cache-');
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

describe('study --models with a Hugging Face id', () => {
  it('is refused without --download before anything runs, naming the id and the flag', async () => {
    const out = await makeTmpDir('cwb-cli-study-');
    const r = await cli(['study', '--task', 'comparison', '--models', 'org/default', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/org\/default: not a model folder, and not complete in the Hugging Face cache .*--download/);
  });

  it('downloads with --download and studies the snapshot, labelled by the id', async () => {
    const out = await makeTmpDir('cwb-cli-study-');
    const small = { n: 4, seed: 1, topHeads: 1, topNeurons: 2, eapIgSteps: 2, completenessSamples: 1, completenessGreedySteps: 1, romeSteps: 2, editParaphrases: 1, editNeighbours: 1, predictionPrompts: 1 };
    const params = Object.entries(small).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
    const r = await cli(['study', '--task', 'comparison', '--models', 'org/default', '--download', '--out', out, ...params, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const models = JSON.parse(r.stdout).models as { label: string; dir: string }[];
    expect(models.map((m) => m.label)).toEqual(['org/default']);
    expect(models[0].dir.startsWith(join(cache, 'models--org--default', 'snapshots'))).toBe(true);
    // the study ran on the hub's copy of the bundled weights: same content hash as the bundled folder
    const study = JSON.parse(await readFile(join(out, 'study.json'), 'utf8')) as { provenance: { models: { label: string; contentHash: string }[] } };
    expect(study.provenance.models.map((m) => [m.label, m.contentHash])).toEqual([['org/default', await modelContentHash(defaultModelDir())]]);
  }, 240_000);
});
