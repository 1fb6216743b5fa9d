/**
 * Serve mode safe to expose: the printed link's token is exchanged once for an HttpOnly,
 * SameSite=Strict session cookie and then refused; a foreign Host is refused (HTTP and WebSocket);
 * file operations outside the data folder and --allow-dir folders (any params field naming a file
 * or folder, study.run's outDir and modelDirs too) are refused without saying whether the file exists; TLS serves HTTPS with a Secure cookie.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDefaultServices, type DefaultServices } from '../../src/main/api/defaultServices';
import { handlers } from '../../src/main/api/handlers';
import { ApiRouter } from '../../src/main/api/router';
import { ApiError } from '../../src/shared/api/errors';
import { operations } from '../../src/shared/api/operations';
import type { ServerMessage } from '../../src/shared/api/protocol';
import { confineHandlers, FileConfinement, PATH_FIELDS, PATH_OPS } from '../../src/server/fileConfinement';
import { allowedHostNames, hostHeaderName } from '../../src/server/hostCheck';
import { MESSAGES, startServer, type RunningServer } from '../../src/server/server';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';

let server: RunningServer;
let services: DefaultServices;
let router: ApiRouter;
let dataDir: string;
let allowedDir: string;
let outsideDir: string;
let rendererDir: string;

beforeAll(async () => {
  dataDir = await makeTmpDir('cwb-serve-data-');
  allowedDir = await makeTmpDir('cwb-serve-allowed-');
  outsideDir = await makeTmpDir('cwb-serve-outside-');
  rendererDir = await makeTmpDir('cwb-serve-renderer-');
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>workbench</title>');
  services = await createDefaultServices({ appVersion: '0.0.0-serve', dataDir, log: () => undefined });
  router = new ApiRouter(services, confineHandlers(handlers, new FileConfinement([dataDir, allowedDir])));
  server = await startServer({ router, rendererDir, port: 0, allowedHosts: ['workbench.lan'] });
});

afterAll(async () => {
  await server?.close();
  await services?.shutdown();
  await removeTmpDirs();
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with full control of the Host header (fetch does not let a caller set it). */
function get(path: string, headers: Record<string, string> = {}, port = server.port): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connectStatus(headers: Record<string, string>, path = '/api'): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', reject);
  });
}

/** One request over a WebSocket with the session cookie; the reply. */
async function call(cookie: string, op: string, params: unknown): Promise<ServerMessage> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api`, { headers: { Cookie: cookie } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const reply = new Promise<ServerMessage>((resolve) => ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as ServerMessage;
    if (m.type === 'result' || m.type === 'error') resolve(m);
  }));
  ws.send(JSON.stringify({ type: 'request', id: 'r1', op, params }));
  const m = await reply;
  ws.close();
  return m;
}

let cookie = '';

describe('the one-time access token', () => {
  it('is exchanged once for an HttpOnly, SameSite=Strict session cookie, and the session then opens the page and the API', async () => {
    const path = new URL(server.url).pathname + new URL(server.url).search;
    const first = await get(path);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^cwb_session_${server.port}=[A-Za-z0-9_-]{32,}; Path=/; HttpOnly; SameSite=Strict$`));
    cookie = setCookie.split(';')[0];
    expect(cookie.includes(server.token)).toBe(false);

    const page = await get('/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>workbench</title>');
    expect(await call(cookie, 'echo', { message: 'hi' })).toEqual({ type: 'result', id: 'r1', result: { message: 'hi' } });
  });

  it('is refused on a second use, and never opens the API by itself', async () => {
    const path = new URL(server.url).pathname + new URL(server.url).search;
    const again = await get(path);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toContain('used already');
    expect(await connectStatus({}, `/api?token=${server.token}`)).toBe(401);
    // The session from the first use still works.
    expect((await get('/', { Cookie: cookie })).status).toBe(200);
  });

  it('without a session the page explains how to get one and serves nothing else', async () => {
    const page = await get('/');
    expect(page.status).toBe(401);
    expect(page.body).toContain('data-testid="fatal-message"');
    expect(page.body).toContain('npm run serve');
    expect(page.body).not.toContain('<title>workbench</title>');
    expect((await get('/index.html', { Cookie: `cwb_session_${server.port}=forged` })).status).toBe(401);
    expect(await connectStatus({ Cookie: `cwb_session_${server.port}=forged` })).toBe(401);
  });
});

describe('the Host allowlist', () => {
  it('refuses a foreign Host for pages and WebSocket upgrades even with a valid session', async () => {
    const port = server.port;
    const foreign = await get('/', { Cookie: cookie, Host: `attacker.example:${port}` });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toBe(`${MESSAGES.wrongHost}\n`);
    expect(await connectStatus({ Cookie: cookie, Host: `attacker.example:${port}` })).toBe(403);
    expect(await connectStatus({ Cookie: cookie, Host: `attacker.example:${port}`, Origin: `http://attacker.example:${port}` })).toBe(403);
    expect((await get('/', { Cookie: cookie, Host: 'no host:1' })).status).toBe(403);
  });

  it('accepts the loopback names, the bound host and --allow-host names', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, `WORKBENCH.lan:${server.port}`]) {
      expect((await get('/', { Cookie: cookie, Host: host })).status, host).toBe(200);
    }
    expect(await connectStatus({ Cookie: cookie, Host: `localhost:${server.port}` })).toBe(101);
    expect([...allowedHostNames('0.0.0.0', ['a.lan'])].sort()).toEqual(['127.0.0.1', '::1', 'a.lan', 'localhost']);
    expect(hostHeaderName('[::1]:80')).toBe('::1');
    expect(hostHeaderName('evil.example:80/x')).toBeNull();
  });
});

describe('file operations', () => {
  /** The op's single path field (path, or study.run's outDir). */
  const pathField = (op: (typeof PATH_OPS)[number]): string => PATH_FIELDS.find((f) => Object.hasOwn(operations[op].params.fields, f))!;
  const examplePath = (op: (typeof PATH_OPS)[number], path: string): unknown => ({ ...(operations[op].params.example() as object), [pathField(op)]: path });

  it('the confined operations are those whose params name a file or folder (path, *Dir, *Dirs, from the operation table)', () => {
    const fromTable = Object.entries(operations)
      .filter(([, spec]) => Object.keys(spec.params.fields).some((f) => f === 'path' || /Dirs?$/.test(f)))
      .map(([op]) => op);
    expect([...PATH_OPS]).toEqual(fromTable);
    expect(PATH_OPS).toEqual(expect.arrayContaining(['project.open', 'project.create', 'project.export', 'study.run']));
  });

  it('refuses every one of them outside the allowed folders, with the same words whether or not the file exists', async () => {
    const existing = join(outsideDir, 'secret.cwb');
    writeFileSync(existing, 'not a database, but it exists');
    const missing = join(outsideDir, 'missing.cwb');
    for (const op of PATH_OPS) {
      const messages: string[] = [];
      for (const path of [existing, missing]) {
        const error = await router.invoke(op, examplePath(op, path)).catch((e: unknown) => e);
        expect(error, `${op} ${path}`).toBeInstanceOf(ApiError);
        expect((error as ApiError).code).toBe('invalid_request');
        expect((error as ApiError).path).toBe(`params.${pathField(op)}`);
        messages.push((error as ApiError).message.replace(path, 'PATH'));
      }
      expect(messages[0], op).toBe(messages[1]);
      expect(messages[0]).toMatch(/outside the folders this server may use/);
    }
    expect(readFileSync(existing, 'utf8')).toBe('not a database, but it exists');
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses over the socket too, including .. and a symlink out of the data folder', async () => {
    const escapes = [join(dataDir, '..', outsideDir.split('/').pop()!, 'x.cwb'), '/etc/passwd'];
    mkdirSync(join(dataDir, 'links'));
    symlinkSync(outsideDir, join(dataDir, 'links', 'out'));
    escapes.push(join(dataDir, 'links', 'out', 'x.cwb'));
    for (const path of escapes) {
      const reply = await call(cookie, 'project.create', { path });
      expect(reply, path).toMatchObject({ type: 'error', error: { code: 'invalid_request', path: 'params.path' } });
      expect(JSON.stringify(reply)).not.toMatch(/SQLite|ENOENT|EACCES|exists/);
    }
    expect(existsSync(join(outsideDir, 'x.cwb'))).toBe(false);
  });

  it("confines study.run's output folder and model folders too (fields other than path)", async () => {
    const model = await writeTaskModel(join(dataDir, 'study-model'), 3);
    symlinkSync(outsideDir, join(dataDir, 'out-link'));
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ outDir: join(outsideDir, 'study'), modelDirs: [model] }, 'params.outDir', join(outsideDir, 'study')],
      [{ outDir: join(dataDir, 'study-a'), modelDirs: [model, join(outsideDir, 'model')] }, 'params.modelDirs[1]', join(dataDir, 'study-a')],
      [{ outDir: join(dataDir, 'out-link', 'study-b'), modelDirs: [model] }, 'params.outDir', join(outsideDir, 'study-b')],
    ];
    for (const [params, field, notWritten] of cases) {
      const error = await router.invoke('study.run', { task: 'latest', n: 1, ...params }).catch((e: unknown) => e);
      expect(error, field).toBeInstanceOf(ApiError);
      expect((error as ApiError).path, JSON.stringify(params)).toBe(field);
      expect((error as ApiError).message).toMatch(/outside the folders this server may use/);
      expect(existsSync(notWritten), notWritten).toBe(false);
    }
  });

  it('allows the data folder and the folders named on the command line', async () => {
    for (const path of [join(dataDir, 'inside.cwb'), join(allowedDir, 'named.cwb')]) {
      const reply = await call(cookie, 'project.create', { path });
      expect(reply, path).toMatchObject({ type: 'result', result: { path } });
      expect(existsSync(path)).toBe(true);
    }
  });
});

describe('TLS', () => {
  it('serves HTTPS with --tls-cert/--tls-key and marks the session cookie Secure', async () => {
    const dir = await makeTmpDir('cwb-serve-tls-');
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const tls = await startServer({ router, rendererDir, port: 0, tls: { cert: readFileSync(cert), key: readFileSync(key) } });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/\?token=/);
      const res = await new Promise<RawResponse>((resolve, reject) => {
        const req = httpsRequest(tls.url, { ca: readFileSync(cert) }, (r) => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: '' }));
        req.on('error', reject);
        req.end();
      });
      expect(res.status).toBe(303);
      // Its own cookie name: a browser keeps one cookie jar for every port of a host.
      expect(String(res.headers['set-cookie'])).toMatch(new RegExp(`^cwb_session_${tls.port}=[^;]+; Path=/; HttpOnly; SameSite=Strict; Secure$`));
    } finally {
      await tls.close();
    }
  });
});
