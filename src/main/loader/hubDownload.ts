/**
 * Downloading one hub file into the cache's blobs: into `{blob}.incomplete`, resumed with an HTTP
 * Range request when a previous try broke off, checked for size and hash (sha256 for LFS files, the
 * git blob sha1 otherwise) before it is renamed to its blob name. A bad download is deleted.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import type { HfCacheRepo } from './hfCache';
import { HubError, hubEndpoint, hubHeaders, hubRefusal, resolveUrl, type HubFileInfo, type HubOptions } from './hubClient';

export interface BlobDownloadOptions extends HubOptions {
  /** Bytes of this file written so far (resumed bytes included). */
  onBytes?: (bytes: number) => void;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/** The hash the hub's metadata gives for this file, primed as git does for non-LFS blobs. */
function newHash(file: HubFileInfo): Hash {
  if (file.sha256) return createHash('sha256');
  return createHash('sha1').update(`blob ${file.size}\0`);
}

async function hashExisting(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** Whether a finished blob is already there with the right size (hashes were checked when it was written). */
export async function blobPresent(repo: HfCacheRepo, file: HubFileInfo): Promise<boolean> {
  return (await sizeOf(repo.blobPath(file.blobId))) === file.size;
}

/** Fetch `file` at `commit` into its blob; a no-op when the blob is already there. */
export async function downloadBlob(repo: HfCacheRepo, commit: string, file: HubFileInfo, opts: BlobDownloadOptions = {}): Promise<void> {
  if (await blobPresent(repo, file)) {
    opts.onBytes?.(file.size);
    return;
  }
  const env = opts.env ?? process.env;
  const blob = repo.blobPath(file.blobId);
  const partial = `${blob}.incomplete`;
  await mkdir(dirname(blob), { recursive: true });
  let offset = (await sizeOf(partial)) ?? 0;
  if (offset > file.size) {
    await rm(partial, { force: true });
    offset = 0;
  }
  const hash = newHash(file);
  if (offset < file.size) {
    const url = resolveUrl(hubEndpoint(env), repo.repo, commit, file.path);
    const headers: Record<string, string> = { ...hubHeaders(env), 'Accept-Encoding': 'identity' };
    if (offset > 0) headers.Range = `bytes=${offset}-`;
    let res: Response;
    try {
      res = await (opts.fetch ?? fetch)(url, { headers, signal: opts.signal });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new HubError(`${repo.repo}: cannot download ${file.path} from ${hubEndpoint(env)} (${(e as Error).message}); run again to resume.`);
    }
    if (!res.ok || !res.body) throw await hubRefusal(res, `download of ${file.path}`, repo.repo, env);
    // 206: the server resumes at `offset`; 200: it sends the whole file, so start over.
    const resumed = offset > 0 && res.status === 206 && contentRangeStart(res) === offset;
    if (resumed) await hashExisting(hash, partial);
    else offset = 0;
    await appendBody(res.body, partial, resumed, hash, (written) => opts.onBytes?.(offset + written), file, repo.repo, opts.signal);
  } else {
    await hashExisting(hash, partial);
  }
  await verify(partial, file, hash, repo.repo);
  await rename(partial, blob);
  opts.onBytes?.(file.size);
}

function contentRangeStart(res: Response): number | null {
  const match = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : null;
}

async function appendBody(
  body: ReadableStream<Uint8Array>,
  partial: string,
  append: boolean,
  hash: Hash,
  onWritten: (bytes: number) => void,
  file: HubFileInfo,
  repo: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const out = createWriteStream(partial, { flags: append ? 'a' : 'w' });
  let written = 0;
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      written += chunk.byteLength;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
      onWritten(written);
    }
  } catch (e) {
    out.end();
    await finished(out).catch(() => undefined);
    if (signal?.aborted) throw e;
    throw new HubError(`${repo}: the download of ${file.path} broke off (${(e as Error).message}); run again to resume from the bytes already written.`);
  }
  out.end();
  await finished(out);
}

async function verify(partial: string, file: HubFileInfo, hash: Hash, repo: string): Promise<void> {
  const size = (await sizeOf(partial)) ?? 0;
  const digest = hash.digest('hex');
  const expected = file.sha256 ?? file.blobId;
  const kind = file.sha256 ? 'sha256' : 'git sha1';
  if (size === file.size && digest === expected) return;
  await rm(partial, { force: true });
  const why = size !== file.size ? `${size} bytes where the hub says ${file.size}` : `${kind} ${digest} where the hub says ${expected}`;
  throw new HubError(`${repo}: downloaded ${file.path} is corrupt (${why}); it was deleted, run again to download it afresh.`);
}
