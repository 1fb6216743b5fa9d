/**
 * The headless workbench server behind `npm run serve`: HTTP(S) for the built renderer and a
 * WebSocket at /api carrying the same protocol as Electron IPC. The printed link's token is
 * exchanged once for a session cookie; every request must carry that session and name this server
 * in its Host header (DNS rebinding), and a browser must come from this server's own origin.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from '../shared/api/protocol';
import type { ApiRouter } from '../main/api/router';
import { allowedHostNames, hostAllowed } from './hostCheck';
import { AccessGate, sessionCookieName } from './session';
import { createStaticHandler, send } from './staticFiles';
import { isStudyFileRequest, serveStudyFile } from './studyFiles';
import { generateToken } from './token';

export const API_PATH = '/api';
const HEARTBEAT_MS = 30_000;

export interface ServerOptions {
  router: ApiRouter;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  /** 127.0.0.1 unless you mean to expose the workbench. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** A fixed token (tests); a random one otherwise. */
  token?: string;
  /** Host names browsers may use besides the loopback names and `host` (e.g. the machine's DNS name). */
  allowedHosts?: readonly string[];
  /** PEM certificate and key: serve HTTPS and WSS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface RunningServer {
  host: string;
  port: number;
  token: string;
  /** The address to open in a browser, token included; it works once. */
  url: string;
  close(): Promise<void>;
}

export const MESSAGES = {
  wrongHost: 'This server does not answer to that host name. Open the address `npm run serve` printed (or start it with --allow-host NAME).',
  spentToken:
    'This access link has been used already (it works once), or it is not this server\'s. The browser that opened it first keeps its session; for a new link, restart `npm run serve`.',
  noSession: 'Open the address with "?token=…" that `npm run serve` printed. The link works once: if it was used already, restart `npm run serve` for a new one.',
} as const;

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`);
  socket.destroy();
}

/** A bare page with the reason in words (the same test id as the renderer's fatal message), no app behind it. */
function sendRefusalPage(res: ServerResponse, status: number, message: string): void {
  const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  send(res, status, `<!doctype html><meta charset="utf-8"><title>Circuit Workbench</title><p data-testid="fatal-message">${escaped}</p>\n`, 'text/html; charset=utf-8');
}

/** Why an upgrade request may not connect, or null if it may. */
export function upgradeRefusal(req: IncomingMessage, gate: AccessGate, allowedHosts: ReadonlySet<string>, scheme: 'http' | 'https'): { status: number; reason: string } | null {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== API_PATH) return { status: 404, reason: 'Not Found' };
  if (!hostAllowed(req.headers.host, allowedHosts)) return { status: 403, reason: 'Forbidden' };
  // A browser always sends Origin: it must be this server, so no other site can drive the API.
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `${scheme}://${req.headers.host}`) return { status: 403, reason: 'Forbidden' };
  if (!gate.admits(req.headers.cookie)) return { status: 401, reason: 'Unauthorized' };
  return null;
}

/** The name the printed link uses: a wildcard bind address is not one a browser may send, so the first --allow-host name (or loopback). */
function linkHost(host: string, allowedHosts: readonly string[] = []): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  return allowedHosts[0] ?? (host === '::' ? '::1' : '127.0.0.1');
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? generateToken();
  const gate = new AccessGate(token);
  const allowed = allowedHostNames(host, options.allowedHosts);
  const scheme = options.tls ? 'https' : 'http';
  const serveStatic = createStaticHandler(options.rendererDir);

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed(req.headers.host, allowed)) return send(res, 403, `${MESSAGES.wrongHost}\n`);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.searchParams.has('token')) {
      const session = gate.exchange(url.searchParams.get('token'));
      if (!session) return sendRefusalPage(res, 401, MESSAGES.spentToken);
      url.searchParams.delete('token');
      // The token leaves the address bar and history with this redirect; the cookie carries the session.
      res.writeHead(303, { Location: `${url.pathname}${url.search}`, 'Set-Cookie': gate.setCookie(session, scheme === 'https'), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
      res.end();
      return;
    }
    if (!gate.admits(req.headers.cookie)) return sendRefusalPage(res, 401, MESSAGES.noSession);
    const serve = isStudyFileRequest(url.pathname) ? serveStudyFile(options.router, req, res, url.pathname) : serveStatic(req, res);
    serve.catch((error: unknown) => {
      console.error('serve: static file error:', error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const http = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createHttpServer(onRequest);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  http.on('upgrade', (req, socket, head) => {
    const refusal = upgradeRefusal(req, gate, allowed, scheme);
    if (refusal) {
      refuse(socket, refusal.status, refusal.reason);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, options.router));
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      const alive = ws as WebSocket & { alive?: boolean };
      if (alive.alive === false) {
        ws.terminate();
        continue;
      }
      alive.alive = false;
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  gate.cookieName = sessionCookieName(port);
  return {
    host,
    port,
    token,
    url: `${scheme}://${formatHost(linkHost(host, options.allowedHosts))}:${port}/?token=${token}`,
    close: async () => {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Bind one socket to a router connection: JSON text frames in, JSON text frames out. */
function attach(ws: WebSocket, router: ApiRouter): void {
  const alive = ws as WebSocket & { alive?: boolean };
  alive.alive = true;
  ws.on('pong', () => {
    alive.alive = true;
  });
  const connection = router.connect((message) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  });
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      ws.send(JSON.stringify({ type: 'error', id: null, error: { code: 'invalid_request', message: 'messages must be JSON text, not binary' } }));
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      ws.send(JSON.stringify({ type: 'error', id: null, error: { code: 'invalid_request', message: 'message is not valid JSON' } }));
      return;
    }
    connection.receive(parsed);
  });
  ws.on('close', () => connection.close());
  ws.on('error', () => connection.close());
}
