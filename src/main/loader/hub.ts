/**
 * Models by name: `--model gpt2`, `org/name@revision` or a folder. A hub id is looked up in the
 * local Hugging Face cache first (no request when its snapshot is complete); only when the caller
 * allows it are config.json, the safetensors weights and the tokenizer files downloaded from the
 * hub into that same cache, so Python tools share them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TOKENIZER_FILES } from '../tokenizer/load';
import { HfCacheRepo, hubCacheDir, modelDisplayName, parseHubModelRef, snapshotHasFile, type HubModelRef } from './hfCache';
import { fetchRevisionInfo, HubError, hubEndpoint, type HubFileInfo, type HubOptions } from './hubClient';
import { downloadBlob } from './hubDownload';
import { CONFIG_FILE } from './modelDir';
import { SHARD_INDEX_FILE, SINGLE_WEIGHTS_FILE, findWeights } from './weightFiles';

export interface DownloadProgress {
  /** 0..1 over every byte to download (files already in the cache count as done). */
  fraction: number;
  bytes: number;
  totalBytes: number;
  file: string;
}

export interface ResolveModelOptions extends HubOptions {
  /** The user agreed to download a model missing from the cache. */
  download?: boolean;
  onProgress?: (progress: DownloadProgress) => void;
}

export interface ResolvedModel {
  /** The folder the loader reads. */
  dir: string;
  /** `org/name` for hub models, the folder name otherwise. */
  name: string;
  source: 'folder' | 'cache' | 'download';
}

/** Files a hub model folder needs beside its weights: the config and whichever tokenizer files the repo has. */
const TOKENIZER_FILE_NAMES: readonly string[] = Object.values(TOKENIZER_FILES);

/** The model is not (completely) in the cache and the caller did not allow a download. */
export class NotCachedError extends HubError {
  constructor(message: string) {
    super(message);
    this.name = 'NotCachedError';
  }
}

/** A folder when `spec` names one that exists (or is not shaped like a hub id), else a hub model. */
export async function resolveModelSpec(spec: string, opts: ResolveModelOptions = {}): Promise<ResolvedModel> {
  if (existsSync(spec) || !parseHubModelRef(spec)) {
    const dir = resolve(spec);
    return { dir, name: modelDisplayName(dir), source: 'folder' };
  }
  return resolveHubModel(spec, opts);
}

/** A hub model only (never a folder): from the cache, else downloaded when allowed. */
export async function resolveHubModel(id: string, opts: ResolveModelOptions = {}): Promise<ResolvedModel> {
  const env = opts.env ?? process.env;
  const ref = parseHubModelRef(id);
  if (!ref) throw new HubError(`${JSON.stringify(id.slice(0, 200))} is not a Hugging Face model id (org/name or name, optionally @revision)`);
  const repo = new HfCacheRepo(hubCacheDir(env), ref.repo);
  const cached = await completeSnapshot(repo, ref);
  if (cached) return { dir: cached, name: ref.repo, source: 'cache' };
  if (!opts.download || isOffline(env)) {
    const why = isOffline(env) ? 'HF_HUB_OFFLINE is set, so nothing is downloaded' : 'allow the download to fetch it (--download on the command line)';
    throw new NotCachedError(
      `${id}: not a model folder, and not complete in the Hugging Face cache at ${repo.dir}. ` +
        `${why}: config.json, the safetensors weights and the tokenizer come from ${hubEndpoint(env)} into that cache.`,
    );
  }
  return { dir: await downloadModel(repo, ref, opts), name: ref.repo, source: 'download' };
}

function isOffline(env: NodeJS.ProcessEnv): boolean {
  return ['1', 'true', 'yes', 'on'].includes((env.HF_HUB_OFFLINE ?? '').toLowerCase());
}

/** The snapshot folder for `ref` when it holds a config, all its weights and a tokenizer; else null. */
export async function completeSnapshot(repo: HfCacheRepo, ref: HubModelRef): Promise<string | null> {
  const commit = repo.commitFor(ref.revision);
  if (!commit) return null;
  const dir = repo.snapshotDir(commit);
  if (!snapshotHasFile(dir, CONFIG_FILE)) return null;
  const hasTokenizer = snapshotHasFile(dir, TOKENIZER_FILES.json) || (snapshotHasFile(dir, TOKENIZER_FILES.vocab) && snapshotHasFile(dir, TOKENIZER_FILES.merges));
  if (!hasTokenizer) return null;
  try {
    await findWeights(dir);
  } catch {
    return null;
  }
  return dir;
}

/** The files to fetch from a revision's listing: config, weights (single or the shard index), tokenizer. */
export function selectModelFiles(repo: string, files: readonly HubFileInfo[]): HubFileInfo[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const config = byPath.get(CONFIG_FILE);
  if (!config) throw new HubError(`${repo}: the repo has no ${CONFIG_FILE}, so it is not a transformers model`);
  const weights = byPath.get(SINGLE_WEIGHTS_FILE) ?? byPath.get(SHARD_INDEX_FILE);
  if (!weights) {
    const names = files.map((f) => f.path).filter((p) => /\.(bin|safetensors|pt|h5|msgpack)$/.test(p));
    throw new HubError(
      `${repo}: the repo has neither ${SINGLE_WEIGHTS_FILE} nor ${SHARD_INDEX_FILE}` +
        (names.length ? ` (it has ${names.slice(0, 5).join(', ')}); only safetensors weights are loaded, never pickles` : ''),
    );
  }
  const tokenizer = TOKENIZER_FILE_NAMES.map((n) => byPath.get(n)).filter((f): f is HubFileInfo => f !== undefined);
  const names = new Set(tokenizer.map((f) => f.path));
  if (!names.has(TOKENIZER_FILES.json) && !(names.has(TOKENIZER_FILES.vocab) && names.has(TOKENIZER_FILES.merges))) {
    throw new HubError(`${repo}: the repo has no ${TOKENIZER_FILES.json} (nor ${TOKENIZER_FILES.vocab} + ${TOKENIZER_FILES.merges})`);
  }
  return [config, weights, ...tokenizer];
}

async function shardFiles(repo: string, indexPath: string, files: readonly HubFileInfo[]): Promise<HubFileInfo[]> {
  let map: unknown;
  try {
    map = (JSON.parse(await readFile(indexPath, 'utf8')) as { weight_map?: unknown }).weight_map;
  } catch (e) {
    throw new HubError(`${repo}: ${SHARD_INDEX_FILE} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof map !== 'object' || map === null) throw new HubError(`${repo}: ${SHARD_INDEX_FILE} has no weight_map`);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const shards = [...new Set(Object.values(map as Record<string, unknown>))];
  return shards.map((name) => {
    const file = typeof name === 'string' ? byPath.get(name) : undefined;
    if (!file) throw new HubError(`${repo}: ${SHARD_INDEX_FILE} names shard ${JSON.stringify(name).slice(0, 200)}, which the repo does not have`);
    return file;
  });
}

async function downloadModel(repo: HfCacheRepo, ref: HubModelRef, opts: ResolveModelOptions): Promise<string> {
  const info = await fetchRevisionInfo(ref.repo, ref.revision, opts);
  const wanted = selectModelFiles(ref.repo, info.files);
  // Until the shard index is read, count every safetensors file in the repo as a likely shard.
  const guessShards = wanted.some((f) => f.path === SHARD_INDEX_FILE) ? info.files.filter((f) => f.path.endsWith('.safetensors')) : [];
  let totalBytes = [...wanted, ...guessShards].reduce((sum, f) => sum + f.size, 0);
  let doneBytes = 0;
  const fetchOne = async (file: HubFileInfo): Promise<void> => {
    await downloadBlob(repo, info.commit, file, {
      ...opts,
      onBytes: (bytes) => opts.onProgress?.({ fraction: totalBytes ? Math.min(1, (doneBytes + bytes) / totalBytes) : 1, bytes: doneBytes + bytes, totalBytes, file: file.path }),
    });
    doneBytes += file.size;
    await repo.linkSnapshotFile(info.commit, file.path, file.blobId);
  };
  for (const file of wanted) await fetchOne(file);
  const index = wanted.find((f) => f.path === SHARD_INDEX_FILE);
  if (index) {
    const shards = await shardFiles(ref.repo, repo.blobPath(index.blobId), info.files);
    totalBytes = [...wanted, ...shards].reduce((sum, f) => sum + f.size, 0);
    for (const shard of shards) await fetchOne(shard);
  }
  await repo.writeRef(ref.revision, info.commit);
  return repo.snapshotDir(info.commit);
}
