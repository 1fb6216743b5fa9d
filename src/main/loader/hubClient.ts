/**
 * The few Hugging Face Hub requests a model download needs, over plain fetch:
 *   GET {HF_ENDPOINT}/api/models/{repo}/revision/{revision}?blobs=true  -> commit + files with sizes and hashes
 *   GET {HF_ENDPOINT}/{repo}/resolve/{commit}/{file}                    -> the file (redirects followed)
 * HF_TOKEN (or the token file huggingface_hub's login writes) is sent as a bearer token.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hfHome } from './hfCache';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** One file of a hub revision, with what its download is checked against. */
export interface HubFileInfo {
  path: string;
  size: number;
  /** The cache's blob name: the LFS sha256 for large files, the git blob sha1 otherwise. */
  blobId: string;
  /** Present for LFS files: the content's sha256. */
  sha256?: string;
}

export interface HubRevisionInfo {
  commit: string;
  files: HubFileInfo[];
}

export interface HubOptions {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export class HubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

/** HF_TOKEN, else the legacy HUGGING_FACE_HUB_TOKEN, else the file `huggingface-cli login` wrote. */
export function hubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  if (fromEnv) return fromEnv.trim();
  const file = env.HF_TOKEN_PATH || join(hfHome(env), 'token');
  if (!existsSync(file)) return undefined;
  const token = readFileSync(file, 'utf8').trim();
  return token || undefined;
}

export function hubHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  const token = hubToken(env);
  return { 'User-Agent': 'circuit-workbench', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function resolveUrl(endpoint: string, repo: string, commit: string, file: string): string {
  return `${endpoint}/${repo}/resolve/${commit}/${encodePath(file)}`;
}

/** A refused request as an error a person can act on; 401/403 name HF_TOKEN. */
export async function hubRefusal(res: Response, what: string, repo: string, env: NodeJS.ProcessEnv): Promise<HubError> {
  const endpoint = hubEndpoint(env);
  const hubMessage = (res.headers.get('x-error-message') ?? '').slice(0, 200);
  const detail = hubMessage ? ` (${hubMessage})` : '';
  if (res.status === 401 || res.status === 403) {
    const tokenAdvice = hubToken(env)
      ? 'The token in HF_TOKEN has no access to it: accept the model\'s terms on its page with the account the token belongs to, or use a token that has read access.'
      : `Accept the model's terms on ${endpoint}/${repo} if it is gated, then set HF_TOKEN to an access token with read access (${endpoint}/settings/tokens).`;
    return new HubError(`${repo}: ${what} refused by ${endpoint} with HTTP ${res.status}${detail}: the model is gated or private. ${tokenAdvice}`, res.status);
  }
  if (res.status === 404) return new HubError(`${repo}: ${what} not found on ${endpoint} (HTTP 404)${detail}: check the model id and revision.`, 404);
  return new HubError(`${repo}: ${what} failed on ${endpoint} with HTTP ${res.status}${detail}.`, res.status);
}

function asFileInfo(value: unknown, where: string): HubFileInfo {
  const s = value as { rfilename?: unknown; size?: unknown; blobId?: unknown; lfs?: { sha256?: unknown; size?: unknown } | null };
  if (typeof s?.rfilename !== 'string' || typeof s.blobId !== 'string') throw new HubError(`${where}: a file entry has no rfilename/blobId`);
  const lfs = s.lfs && typeof s.lfs.sha256 === 'string' && typeof s.lfs.size === 'number' ? { sha256: s.lfs.sha256, size: s.lfs.size } : null;
  const size = lfs ? lfs.size : s.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new HubError(`${where}: file ${s.rfilename} has no size`);
  return lfs ? { path: s.rfilename, size, blobId: lfs.sha256, sha256: lfs.sha256 } : { path: s.rfilename, size, blobId: s.blobId };
}

/** The commit a revision points to and its files with sizes and hashes (one metadata request). */
export async function fetchRevisionInfo(repo: string, revision: string, opts: HubOptions = {}): Promise<HubRevisionInfo> {
  const env = opts.env ?? process.env;
  const doFetch = opts.fetch ?? fetch;
  const url = `${hubEndpoint(env)}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
  let res: Response;
  try {
    res = await doFetch(url, { headers: hubHeaders(env), signal: opts.signal });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    throw new HubError(`${repo}: cannot reach ${hubEndpoint(env)} (${(e as Error).message}). Set HF_ENDPOINT for a mirror, or put the model in the Hugging Face cache.`);
  }
  if (!res.ok) throw await hubRefusal(res, `revision "${revision}"`, repo, env);
  const body = (await res.json()) as { sha?: unknown; siblings?: unknown };
  if (typeof body.sha !== 'string' || !/^[0-9a-f]{40}$/.test(body.sha) || !Array.isArray(body.siblings)) {
    throw new HubError(`${url}: the answer has no commit sha or file list`);
  }
  return { commit: body.sha, files: body.siblings.map((s) => asFileInfo(s, url)) };
}
