/**
 * A local stand-in for the Hugging Face Hub (127.0.0.1 only) serving repos made from model folders:
 * the revision and tree APIs with file sizes and hashes, `resolve` with HTTP Range, LFS files
 * (*.safetensors) redirected to another origin (`localhost`) as the real hub redirects to its CDN, gated repos, a broken connection and a corrupted
 * file on request. Every request is logged so tests can count them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface FakeHubFile {
  path: string;
  bytes: Buffer;
  lfs: boolean;
  /** sha256 for LFS files, git blob sha1 otherwise (what the cache names the blob). */
  blobId: string;
}

export interface FakeRepo {
  commit: string;
  branches: Record<string, string>;
  files: FakeHubFile[];
  /** Requests need `Authorization: Bearer {token}`. */
  gatedToken?: string;
}

export interface LoggedRequest {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export function gitBlobSha1(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A repo whose files are every file of `dir` (shards included), on a random commit that `main` points to. */
export async function repoFromFolder(dir: string): Promise<FakeRepo> {
  const files: FakeHubFile[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const bytes = await readFile(join(dir, name));
    const lfs = name.endsWith('.safetensors');
    files.push({ path: name, bytes, lfs, blobId: lfs ? sha256(bytes) : gitBlobSha1(bytes) });
  }
  const commit = randomBytes(20).toString('hex');
  return { commit, branches: { main: commit }, files };
}

export class FakeHub {
  readonly repos = new Map<string, FakeRepo>();
  readonly log: LoggedRequest[] = [];
  /** The next download of this file sends half its bytes and then drops the connection. */
  breakNext = new Set<string>();
  /** The next download of this file sends half its bytes and then stalls (until the client gives up). */
  stallNext = new Set<string>();
  /** Downloads of this file have one byte flipped (the metadata stays right). */
  corrupt = new Set<string>();
  private server: Server | null = null;
  endpoint = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private commitOf(repo: FakeRepo, revision: string): string | undefined {
    return revision === repo.commit ? repo.commit : repo.branches[revision];
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.log.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization });
    const url = new URL(req.url ?? '/', this.endpoint);
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn) return this.sendFile(req, res, [...this.repos.values()].flatMap((r) => r.files).find((f) => f.blobId === cdn[1]));
    const api = /^\/api\/models\/([^/]+(?:\/[^/]+)?)\/(revision|tree)\/([^/]+)$/.exec(url.pathname);
    const resolve = api ? null : /^\/([^/]+(?:\/[^/]+)?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repoId = api?.[1] ?? resolve?.[1];
    const repo = repoId ? this.repos.get(repoId) : undefined;
    if (!repo) return this.refuse(res, 404, 'RepoNotFound', 'Repository not found');
    if (repo.gatedToken && req.headers.authorization !== `Bearer ${repo.gatedToken}`) {
      return this.refuse(res, req.headers.authorization ? 403 : 401, 'GatedRepo', 'Access to this model is restricted');
    }
    const commit = this.commitOf(repo, decodeURIComponent(api ? api[3] : resolve![2]));
    if (!commit) return this.refuse(res, 404, 'RevisionNotFound', 'Invalid rev id');
    if (api?.[2] === 'tree') {
      // The tree API (what huggingface_hub's snapshot_download lists): git oid, size, LFS sha256.
      const entries = repo.files.map((f) => ({
        type: 'file',
        path: f.path,
        oid: f.lfs ? gitBlobSha1(Buffer.from('lfs pointer ' + f.blobId)) : f.blobId,
        size: f.bytes.length,
        ...(f.lfs ? { lfs: { oid: f.blobId, size: f.bytes.length, pointerSize: 132 } } : {}),
      }));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(entries));
      return;
    }
    if (api) {
      const siblings = repo.files.map((f) => ({
        rfilename: f.path,
        size: f.lfs ? 132 : f.bytes.length,
        blobId: f.lfs ? gitBlobSha1(Buffer.from('lfs pointer ' + f.blobId)) : f.blobId,
        ...(f.lfs ? { lfs: { sha256: f.blobId, size: f.bytes.length, pointerSize: 132 } } : {}),
      }));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: repoId, sha: commit, siblings }));
      return;
    }
    const file = repo.files.find((f) => f.path === decodeURIComponent(resolve![3]));
    if (!file) return this.refuse(res, 404, 'EntryNotFound', 'Entry not found');
    if (file.lfs) {
      // An absolute URL on another origin, as the hub's CDN is (so credentials are not forwarded).
      res.writeHead(302, { Location: `${this.endpoint.replace('127.0.0.1', 'localhost')}/cdn/${file.blobId}`, 'X-Repo-Commit': commit, 'X-Linked-Etag': `"${file.blobId}"`, 'X-Linked-Size': String(file.bytes.length) });
      res.end();
      return;
    }
    this.sendFile(req, res, file, { 'X-Repo-Commit': commit, ETag: `"${file.blobId}"` });
  }

  private refuse(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'X-Error-Code': code, 'X-Error-Message': message, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: message }));
  }

  private sendFile(req: IncomingMessage, res: ServerResponse, file: FakeHubFile | undefined, headers: Record<string, string> = {}): void {
    if (!file) return this.refuse(res, 404, 'EntryNotFound', 'Entry not found');
    let bytes = file.bytes;
    if (this.corrupt.has(file.path)) {
      bytes = Buffer.from(bytes);
      bytes[bytes.length >> 1] ^= 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = bytes.subarray(start);
    const rangeHeaders = range ? { 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {};
    res.writeHead(range ? 206 : 200, { ...headers, ...rangeHeaders, 'Content-Length': String(body.length), 'Content-Type': 'application/octet-stream' });
    if (this.stallNext.delete(file.path)) {
      res.write(body.subarray(0, body.length >> 1));
      return;
    }
    if (this.breakNext.delete(file.path)) {
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  }
}
