/**
 * The Hugging Face cache as `huggingface_hub` lays it out, read and written without a network:
 *   {HF_HUB_CACHE}/models--{org}--{name}/blobs/{sha256 or git sha1}
 *                                       /snapshots/{commit}/{file}  (relative symlink into blobs)
 *                                       /refs/{branch}             (the commit the branch points to)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

/** An org/name id (org optional, as in `gpt2`) with an optional revision: `gpt2@main`, `org/m@<commit>`. */
export interface HubModelRef {
  repo: string;
  revision: string;
}

export const DEFAULT_REVISION = 'main';
const REPO_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const REVISION = /^[A-Za-z0-9._/-]{1,200}$/;
const COMMIT = /^[0-9a-f]{40}$/;

export function isCommitHash(revision: string): boolean {
  return COMMIT.test(revision);
}

/** Parse `org/name@revision`; null when `spec` is not shaped like a hub id (then it is a folder path). */
export function parseHubModelRef(spec: string): HubModelRef | null {
  const at = spec.indexOf('@');
  const repo = at < 0 ? spec : spec.slice(0, at);
  const revision = at < 0 ? DEFAULT_REVISION : spec.slice(at + 1);
  const parts = repo.split('/');
  if (parts.length > 2 || !parts.every((p) => REPO_PART.test(p) && !p.includes('..') && !p.endsWith('.'))) return null;
  if (!REVISION.test(revision) || revision.split('/').some((p) => p === '' || p === '.' || p === '..')) return null;
  return { repo, revision };
}

/** `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub` (XDG_CACHE_HOME honoured like huggingface_hub). */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.HF_HUB_CACHE) return resolve(env.HF_HUB_CACHE);
  if (env.HUGGINGFACE_HUB_CACHE) return resolve(env.HUGGINGFACE_HUB_CACHE);
  return join(hfHome(env, home), 'hub');
}

export function hfHome(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.HF_HOME) return resolve(env.HF_HOME);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(home, '.cache'), 'huggingface');
}

/** `models--org--name`, the folder of one model repo in the cache. */
export function repoFolderName(repo: string): string {
  return `models--${repo.split('/').join('--')}`;
}

export class HfCacheRepo {
  readonly dir: string;

  constructor(
    readonly cacheDir: string,
    readonly repo: string,
  ) {
    this.dir = join(cacheDir, repoFolderName(repo));
  }

  blobPath(blobId: string): string {
    return join(this.dir, 'blobs', blobId);
  }

  snapshotDir(commit: string): string {
    return join(this.dir, 'snapshots', commit);
  }

  refPath(branch: string): string {
    return join(this.dir, 'refs', ...branch.split('/'));
  }

  /** The commit a revision names here: itself when a commit hash, else what refs/{revision} holds; null when unknown. */
  commitFor(revision: string): string | null {
    if (isCommitHash(revision)) return revision;
    const ref = this.refPath(revision);
    if (!existsSync(ref)) return null;
    const commit = readFileSync(ref, 'utf8').trim();
    return isCommitHash(commit) ? commit : null;
  }

  /** Point refs/{branch} at `commit` (not for commit revisions, which need no ref). */
  async writeRef(branch: string, commit: string): Promise<void> {
    if (isCommitHash(branch)) return;
    const ref = this.refPath(branch);
    await mkdir(dirname(ref), { recursive: true });
    const tmp = `${ref}.tmp-${process.pid}`;
    await writeFile(tmp, commit);
    await rename(tmp, ref);
  }

  /** snapshots/{commit}/{file} -> ../../blobs/{blobId}, relative as huggingface_hub makes it (deeper for nested files). */
  async linkSnapshotFile(commit: string, file: string, blobId: string): Promise<void> {
    const link = join(this.snapshotDir(commit), ...file.split('/'));
    await mkdir(dirname(link), { recursive: true });
    const target = relative(dirname(link), this.blobPath(blobId));
    try {
      if ((await readlink(link)) === target) return;
    } catch {
      // no link yet
    }
    await rm(link, { force: true });
    try {
      await symlink(target, link);
    } catch (e) {
      // Where symlinks need privileges (Windows without developer mode), huggingface_hub copies; so do we.
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      await copyFile(this.blobPath(blobId), link);
    }
  }
}

/** A file of a snapshot present in the cache (a symlink whose blob exists, or a plain file). */
export function snapshotHasFile(snapshotDir: string, file: string): boolean {
  try {
    return statSync(join(snapshotDir, ...file.split('/'))).isFile();
  } catch {
    return false;
  }
}

/** A model's display name from its folder: `org/name` for a cache snapshot, else the folder name. */
export function modelDisplayName(dir: string): string {
  const parts = resolve(dir).split(sep);
  const n = parts.length;
  if (n >= 3 && parts[n - 2] === 'snapshots' && parts[n - 3].startsWith('models--')) {
    return parts[n - 3].slice('models--'.length).split('--').join('/');
  }
  return basename(dir);
}
