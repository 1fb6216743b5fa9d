/** The WebSocket server of `npm run serve`: session check, round trip, cancellation, static files (the token flow itself: test/server). */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiRouter } from '../../src/main/api/router';
import type { ServerMessage } from '../../src/shared/api/protocol';
import { startServer, type RunningServer } from '../../src/server/server';
import { resolveInside } from '../../src/server/staticFiles';
import { fakePredict, fakeServices } from './fakeServices';

let server: RunningServer;
let router: ApiRouter;
let rendererDir: string;
/** The session cookie the printed link's one-time token was exchanged for. */
let cookie: string;

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'cwb-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  router = new ApiRouter(fakeServices());
  server = await startServer({ router, rendererDir, port: 0 });
  const login = await fetch(server.url, { redirect: 'manual' });
  expect(login.status).toBe(303);
  cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
});

afterAll(async () => {
  await server.close();
  rmSync(rendererDir, { recursive: true, force: true });
});

/** Try to open a socket; resolves with the HTTP status of a refusal, or 101 when it opens. */
function connectStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', reject);
  });
}

function apiUrl(): string {
  return `ws://127.0.0.1:${server.port}/api`;
}

async function open(): Promise<{ ws: WebSocket; messages: ServerMessage[]; next: (pred: (m: ServerMessage) => boolean) => Promise<ServerMessage> }> {
  const ws = new WebSocket(apiUrl(), { headers: { Cookie: cookie } });
  const messages: ServerMessage[] = [];
  const waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as ServerMessage;
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) w.resolve(m);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = (pred: (m: ServerMessage) => boolean): Promise<ServerMessage> => {
    const found = messages.find(pred);
    return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ pred, resolve }));
  };
  return { ws, messages, next };
}

describe('WebSocket server', () => {
  it('binds 127.0.0.1 and prints a URL with a long random token', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.token.length).toBeGreaterThanOrEqual(32);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  });

  it('refuses a connection without the session', async () => {
    expect(await connectStatus(apiUrl())).toBe(401);
  });

  it('refuses a connection with a wrong session (same length too)', async () => {
    expect(await connectStatus(apiUrl(), { Cookie: `cwb_session_${server.port}=wrong` })).toBe(401);
    const flipped = cookie.slice(0, -1) + (cookie.endsWith('A') ? 'B' : 'A');
    expect(await connectStatus(apiUrl(), { Cookie: flipped })).toBe(401);
    expect(await connectStatus(apiUrl(), { Cookie: cookie })).toBe(101);
  });

  it('refuses a browser from another origin even with the session', async () => {
    expect(await connectStatus(apiUrl(), { Cookie: cookie, Origin: 'http://evil.example' })).toBe(403);
    expect(await connectStatus(apiUrl(), { Cookie: cookie, Origin: `http://127.0.0.1:${server.port}` })).toBe(101);
  });

  it('accepts the session and round-trips a request', async () => {
    const { ws, next } = await open();
    ws.send(JSON.stringify({ type: 'request', id: 'p1', op: 'model.predict', params: { prompt: 'Hello', topK: 3 } }));
    const reply = await next((m) => 'id' in m && m.id === 'p1');
    expect(reply).toEqual({ type: 'result', id: 'p1', result: { prompt: 'Hello', predictions: fakePredict('Hello', 3) } });
    ws.close();
  });

  it('answers invalid JSON and invalid params with errors, not a dropped socket', async () => {
    const { ws, next } = await open();
    ws.send('{not json');
    expect(await next((m) => m.type === 'error' && m.id === null)).toMatchObject({ error: { code: 'invalid_request', message: 'message is not valid JSON' } });
    ws.send(JSON.stringify({ type: 'request', id: 'v1', op: 'model.predict', params: { prompt: '' } }));
    expect(await next((m) => 'id' in m && m.id === 'v1')).toMatchObject({ type: 'error', error: { code: 'invalid_request', path: 'params.prompt' } });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('cancels a running sleep over the socket', async () => {
    const { ws, messages, next } = await open();
    const started = Date.now();
    ws.send(JSON.stringify({ type: 'request', id: 's1', op: 'sleep', params: { ms: 60_000, steps: 600 } }));
    await next((m) => m.type === 'progress' && m.id === 's1');
    ws.send(JSON.stringify({ type: 'cancel', id: 's1' }));
    const reply = await next((m) => m.type === 'error' && m.id === 's1');
    expect(reply).toMatchObject({ error: { code: 'cancelled' } });
    expect(Date.now() - started).toBeLessThan(3000);
    const count = messages.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(messages.length).toBe(count); // no progress after the cancellation
    ws.close();
  });

  it('aborts the jobs of a socket that closes', async () => {
    const { ws, next } = await open();
    ws.send(JSON.stringify({ type: 'request', id: 's2', op: 'sleep', params: { ms: 60_000 } }));
    await next((m) => m.type === 'progress');
    const before = router.connectionCount;
    ws.close();
    const start = Date.now();
    while (router.connectionCount === before && Date.now() - start < 3000) await new Promise((r) => setTimeout(r, 10));
    expect(router.connectionCount).toBe(before - 1);
  });
});

describe('static files', () => {
  it('serves the renderer with a strict CSP', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`, { headers: { Cookie: cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(await (await fetch(`http://127.0.0.1:${server.port}/assets/app.js`, { headers: { Cookie: cookie } })).text()).toBe('console.log(1)');
  });

  it('never serves files outside the renderer folder', async () => {
    expect(resolveInside('/srv/r', '/../etc/passwd')).toBe('/srv/r/etc/passwd');
    expect(resolveInside('/srv/r', '/%2e%2e/%2e%2e/etc/passwd')).toBe('/srv/r/etc/passwd');
    expect(resolveInside('/srv/r', '/a%00b')).toBeNull();
    const res = await fetch(`http://127.0.0.1:${server.port}/%2e%2e/%2e%2e/etc/passwd`, { headers: { Cookie: cookie } });
    expect(res.status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/missing.js`, { headers: { Cookie: cookie } })).status).toBe(404);
  });
});
