/**
 * The headless workbench server behind `npm run serve`: HTTP for the built renderer and a
 * WebSocket at /api carrying the same protocol as Electron IPC. Only a client that presents the
 * access token (and, from a browser, comes from this server's own origin) may connect.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from '../shared/api/protocol';
import type { ApiRouter } from '../main/api/router';
import { createStaticHandler } from './staticFiles';
import { generateToken, tokenMatches } from './token';

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
}

export interface RunningServer {
  host: string;
  port: number;
  token: string;
  /** The address to open in a browser, token included. */
  url: string;
  close(): Promise<void>;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`);
  socket.destroy();
}

/** Why an upgrade request may not connect, or null if it may. */
export function upgradeRefusal(req: IncomingMessage, token: string): { status: number; reason: string } | null {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== API_PATH) return { status: 404, reason: 'Not Found' };
  if (!tokenMatches(token, url.searchParams.get('token'))) return { status: 401, reason: 'Unauthorized' };
  // A browser always sends Origin: it must be this server, so no other site can drive the API.
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) return { status: 403, reason: 'Forbidden' };
  return null;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? generateToken();
  const serveStatic = createStaticHandler(options.rendererDir);
  const http = createServer((req, res) => {
    serveStatic(req, res).catch((error: unknown) => {
      console.error('serve: static file error:', error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  http.on('upgrade', (req, socket, head) => {
    const refusal = upgradeRefusal(req, token);
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
  return {
    host,
    port,
    token,
    url: `http://${formatHost(host)}:${port}/?token=${token}`,
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
