/**
 * Models by name against a local stand-in for the Hugging Face Hub: a download into a fresh cache
 * with progress, a broken download resumed with Range, a corrupted file caught by its sha256, a
 * cache hit that makes no request, a gated model, and a cache tree laid out by hand the way
 * huggingface_hub lays it out (read with no hub at all).
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HfCacheRepo, hubCacheDir, modelDisplayName, parseHubModelRef, repoFolderName } from '../../src/main/loader/hfCache';
import { resolveModelSpec, type DownloadProgress } from '../../src/main/loader/hub';
import { HubError } from '../../src/main/loader/hubClient';
import { loadModelDir } from '../../src/main/loader/modelDir';
import { FakeHub, gitBlobSha1, repoFromFolder, sha256, type FakeRepo } from '../helpers/fakeHub';
import { makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';

let hub: FakeHub;
let cache: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  hub = new FakeHub();
  const endpoint = await hub.start();
  cache = await makeTmpDir('cwb-hf-cache-');
  env = { HF_ENDPOINT: endpoint, HF_HUB_CACHE: cache, HF_HOME: join(cache, 'no-home') };
});
afterEach(async () => hub.stop());
afterAll(removeTmpDirs);

async function addRepo(id: string, opts: { shards?: number; seed?: number; layers?: number } = {}): Promise<{ repo: FakeRepo; source: string }> {
  const source = await makeTmpDir('cwb-hub-src-');
  await writeRandomModel(source, { n_layer: opts.layers ?? 2 }, opts.seed ?? 3, { shards: opts.shards });
  const repo = await repoFromFolder(source);
  hub.repos.set(id, repo);
  return { repo, source };
}

/** Every file of the source folder is in the snapshot, byte for byte, as a relative link into blobs named by hash. */
function expectSnapshotOf(dir: string, repo: FakeRepo, repoDir: string): void {
  for (const file of repo.files) {
    const link = join(dir, file.path);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(`../../blobs/${file.blobId}`);
    expect(readFileSync(link).equals(file.bytes)).toBe(true);
    expect(file.blobId).toBe(file.lfs ? sha256(file.bytes) : gitBlobSha1(file.bytes));
  }
  expect(readdirSync(join(repoDir, 'blobs')).filter((n) => n.endsWith('.incomplete'))).toEqual([]);
}

describe('model ids', () => {
  it('parses org/name@revision and leaves folder paths alone', () => {
    expect(parseHubModelRef('gpt2')).toEqual({ repo: 'gpt2', revision: 'main' });
    expect(parseHubModelRef('openai-community/gpt2@refs/pr/1')).toEqual({ repo: 'openai-community/gpt2', revision: 'refs/pr/1' });
    for (const path of ['./gpt2', '/models/gpt2', 'a/b/c', '../x', 'x@..', 'org/..', '~/m']) expect(parseHubModelRef(path), path).toBeNull();
  });

  it('finds the cache from HF_HUB_CACHE, then HF_HOME/hub, then ~/.cache/huggingface/hub', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' }, '/home/u')).toBe('/c');
    expect(hubCacheDir({ HF_HOME: '/h' }, '/home/u')).toBe('/h/hub');
    expect(hubCacheDir({}, '/home/u')).toBe('/home/u/.cache/huggingface/hub');
  });

  it('a folder that exists is read as a folder even when its name looks like a hub id', async () => {
    const parent = await makeTmpDir('cwb-hub-folder-');
    await writeRandomModel(join(parent, 'gpt2'));
    const cwd = process.cwd();
    process.chdir(parent);
    try {
      const resolved = await resolveModelSpec('gpt2', { env, download: true });
      expect(resolved).toEqual({ dir: join(parent, 'gpt2'), name: 'gpt2', source: 'folder' });
    } finally {
      process.chdir(cwd);
    }
    expect(hub.log).toEqual([]);
  });
});

describe('downloading from the hub', () => {
  it('downloads config, weights and tokenizer into a fresh cache with progress, and the model loads', async () => {
    const { repo, source } = await addRepo('org/tiny');
    const progress: DownloadProgress[] = [];
    const resolved = await resolveModelSpec('org/tiny', { env, download: true, onProgress: (p) => progress.push(p) });
    const repoDir = join(cache, 'models--org--tiny');
    expect(resolved).toEqual({ dir: join(repoDir, 'snapshots', repo.commit), name: 'org/tiny', source: 'download' });
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8')).toBe(repo.commit);
    expectSnapshotOf(resolved.dir, repo, repoDir);

    const total = repo.files.reduce((s, f) => s + f.bytes.length, 0);
    expect(progress.length).toBeGreaterThan(repo.files.length);
    expect(progress.every((p) => p.totalBytes === total)).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i].bytes).toBeGreaterThanOrEqual(progress[i - 1].bytes);
    expect(progress.at(-1)).toMatchObject({ fraction: 1, bytes: total });

    const fromHub = await loadModelDir(resolved.dir);
    const original = await loadModelDir(source);
    expect(fromHub.config).toEqual(original.config);
    expect([...fromHub.params.keys()]).toEqual([...original.params.keys()]);
    for (const [name, p] of original.params) expect(fromHub.params.get(name)!.data.every((v, i) => v === p.data[i]), name).toBe(true);
    expect(modelDisplayName(resolved.dir)).toBe('org/tiny');
  });

  it('downloads a sharded model: the index and every shard it names', async () => {
    const { repo } = await addRepo('sharded', { shards: 3 });
    expect(repo.files.filter((f) => f.path.endsWith('.safetensors')).length).toBe(3);
    const resolved = await resolveModelSpec('sharded@main', { env, download: true });
    expectSnapshotOf(resolved.dir, repo, join(cache, 'models--sharded'));
    expect((await loadModelDir(resolved.dir)).weightFiles).toHaveLength(3);
  });

  it('resumes a download that broke off halfway with a Range request for the rest', async () => {
    const { repo } = await addRepo('org/tiny');
    const weights = repo.files.find((f) => f.path === 'model.safetensors')!;
    hub.breakNext.add('model.safetensors');
    await expect(resolveModelSpec('org/tiny', { env, download: true })).rejects.toThrow(/model\.safetensors broke off.*run again to resume/);
    const partial = join(cache, 'models--org--tiny', 'blobs', `${weights.blobId}.incomplete`);
    const kept = readFileSync(partial);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(weights.bytes.length);
    expect(kept.equals(weights.bytes.subarray(0, kept.length))).toBe(true);

    hub.log.length = 0;
    const resolved = await resolveModelSpec('org/tiny', { env, download: true });
    const cdnRequests = hub.log.filter((r) => r.url === `/cdn/${weights.blobId}`);
    expect(cdnRequests.map((r) => r.range)).toEqual([`bytes=${kept.length}-`]);
    expect(existsSync(partial)).toBe(false);
    expectSnapshotOf(resolved.dir, repo, join(cache, 'models--org--tiny'));
  });

  it('a cancelled download stops at once, keeps its bytes, and the next try resumes', async () => {
    const { repo } = await addRepo('org/tiny');
    const weights = repo.files.find((f) => f.path === 'model.safetensors')!;
    hub.stallNext.add('model.safetensors');
    const controller = new AbortController();
    const started = Date.now();
    const attempt = resolveModelSpec('org/tiny', {
      env,
      download: true,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.file === 'model.safetensors' && p.bytes > 0) controller.abort();
      },
    });
    const error = (await attempt.catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(5000);
    const partial = join(cache, 'models--org--tiny', 'blobs', `${weights.blobId}.incomplete`);
    expect(existsSync(partial)).toBe(true);
    expect(existsSync(join(cache, 'models--org--tiny', 'refs', 'main'))).toBe(false);
    const resolved = await resolveModelSpec('org/tiny', { env, download: true });
    expectSnapshotOf(resolved.dir, repo, join(cache, 'models--org--tiny'));
  });

  it('refuses a corrupted file by its sha256, deletes it, and downloads it afresh on the next try', async () => {
    const { repo } = await addRepo('org/tiny');
    const weights = repo.files.find((f) => f.path === 'model.safetensors')!;
    hub.corrupt.add('model.safetensors');
    const error = await resolveModelSpec('org/tiny', { env, download: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as Error).message).toMatch(new RegExp(`model\\.safetensors is corrupt \\(sha256 [0-9a-f]{64} where the hub says ${weights.blobId}\\)`));
    const blobs = readdirSync(join(cache, 'models--org--tiny', 'blobs'));
    expect(blobs.filter((b) => b.startsWith(weights.blobId))).toEqual([]);
    expect(existsSync(join(cache, 'models--org--tiny', 'snapshots', repo.commit, 'model.safetensors'))).toBe(false);
    expect(existsSync(join(cache, 'models--org--tiny', 'refs', 'main'))).toBe(false);

    hub.corrupt.clear();
    const resolved = await resolveModelSpec('org/tiny', { env, download: true });
    expectSnapshotOf(resolved.dir, repo, join(cache, 'models--org--tiny'));
  });

  it('a model already in the cache opens with no request at all', async () => {
    const { repo } = await addRepo('org/tiny');
    await resolveModelSpec('org/tiny', { env, download: true });
    expect(hub.log.length).toBeGreaterThan(0);
    hub.log.length = 0;
    expect(await resolveModelSpec('org/tiny', { env, download: true })).toMatchObject({ source: 'cache', dir: join(cache, 'models--org--tiny', 'snapshots', repo.commit) });
    expect(await resolveModelSpec(`org/tiny@${repo.commit}`, { env })).toMatchObject({ source: 'cache' });
    expect(hub.log).toEqual([]);
  });

  it('without consent nothing is requested, and the error says how to download', async () => {
    await addRepo('org/tiny');
    await expect(resolveModelSpec('org/tiny', { env })).rejects.toThrow(/not complete in the Hugging Face cache at .*models--org--tiny.*--download/);
    await expect(resolveModelSpec('org/tiny', { env: { ...env, HF_HUB_OFFLINE: '1' }, download: true })).rejects.toThrow(/HF_HUB_OFFLINE/);
    expect(hub.log).toEqual([]);
  });

  it('a gated model is refused with an error about HF_TOKEN, and downloads with the right token', async () => {
    const { repo } = await addRepo('org/gated');
    repo.gatedToken = 'hf_right';
    await expect(resolveModelSpec('org/gated', { env, download: true })).rejects.toThrow(/HTTP 401.*gated or private.*set HF_TOKEN/);
    await expect(resolveModelSpec('org/gated', { env: { ...env, HF_TOKEN: 'hf_wrong' }, download: true })).rejects.toThrow(/HTTP 403.*token in HF_TOKEN has no access/);
    expect(existsSync(join(cache, 'models--org--gated'))).toBe(false);

    hub.log.length = 0;
    const resolved = await resolveModelSpec('org/gated', { env: { ...env, HF_TOKEN: 'hf_right' }, download: true });
    expectSnapshotOf(resolved.dir, repo, join(cache, 'models--org--gated'));
    expect(hub.log.filter((r) => !r.url.startsWith('/cdn/')).every((r) => r.authorization === 'Bearer hf_right')).toBe(true);
  });

  it('reads HF_TOKEN from the token file huggingface-cli login writes', async () => {
    const { repo } = await addRepo('org/gated');
    repo.gatedToken = 'hf_from_file';
    await mkdir(env.HF_HOME!, { recursive: true });
    await writeFile(join(env.HF_HOME!, 'token'), 'hf_from_file\n');
    await expect(resolveModelSpec('org/gated', { env, download: true })).resolves.toMatchObject({ source: 'download' });
  });
});

describe('a cache laid out as huggingface_hub lays it out', () => {
  /** Written with plain fs, not this project's cache writer: blobs by hash, relative snapshot links, refs. */
  async function writeHfCacheTree(cacheDir: string, repo: string, revisions: { commit: string; source: string; branch?: string }[]): Promise<void> {
    const repoDir = join(cacheDir, `models--${repo.replace('/', '--')}`);
    await mkdir(join(repoDir, 'blobs'), { recursive: true });
    for (const rev of revisions) {
      const snap = join(repoDir, 'snapshots', rev.commit);
      await mkdir(snap, { recursive: true });
      for (const name of readdirSync(rev.source)) {
        const bytes = readFileSync(join(rev.source, name));
        const blob = name.endsWith('.safetensors') ? sha256(bytes) : gitBlobSha1(bytes);
        await writeFile(join(repoDir, 'blobs', blob), bytes);
        await symlink(`../../blobs/${blob}`, join(snap, name));
      }
      if (rev.branch) {
        await mkdir(join(repoDir, 'refs'), { recursive: true });
        await writeFile(join(repoDir, 'refs', rev.branch), rev.commit);
      }
    }
  }

  it('opens the branch a ref names, an older commit by hash, and another branch, with no hub', async () => {
    const v1 = await makeTmpDir('cwb-hf-v1-');
    const v2 = await makeTmpDir('cwb-hf-v2-');
    await writeRandomModel(v1, { n_layer: 1 }, 1);
    await writeRandomModel(v2, { n_layer: 3 }, 2);
    const [c1, c2] = ['1'.repeat(40), 'a'.repeat(40)];
    await writeHfCacheTree(cache, 'openai-community/gpt2', [
      { commit: c1, source: v1, branch: 'v1.0' },
      { commit: c2, source: v2, branch: 'main' },
    ]);
    const offline = { HF_HUB_CACHE: cache, HF_ENDPOINT: 'http://127.0.0.1:9' };
    const main = await resolveModelSpec('openai-community/gpt2', { env: offline });
    expect(main).toEqual({ dir: join(cache, 'models--openai-community--gpt2', 'snapshots', c2), name: 'openai-community/gpt2', source: 'cache' });
    expect((await loadModelDir(main.dir)).config.nLayer).toBe(3);
    expect((await loadModelDir((await resolveModelSpec(`openai-community/gpt2@${c1}`, { env: offline })).dir)).config.nLayer).toBe(1);
    expect((await resolveModelSpec('openai-community/gpt2@v1.0', { env: offline })).dir).toBe(join(cache, 'models--openai-community--gpt2', 'snapshots', c1));
    expect(new HfCacheRepo(cache, 'openai-community/gpt2').dir).toBe(join(cache, repoFolderName('openai-community/gpt2')));
  });

  it('a snapshot missing its weights is not a cache hit', async () => {
    const src = await makeTmpDir('cwb-hf-part-');
    await writeRandomModel(src);
    await writeHfCacheTree(cache, 'gpt2', [{ commit: 'b'.repeat(40), source: src, branch: 'main' }]);
    const snap = join(cache, 'models--gpt2', 'snapshots', 'b'.repeat(40));
    const { rm } = await import('node:fs/promises');
    await rm(join(snap, 'model.safetensors'));
    await expect(resolveModelSpec('gpt2', { env })).rejects.toThrow(/not complete in the Hugging Face cache/);
  });
});
