/** A Node WebSocket client of the workbench server speaking the real protocol (ProtocolClient). */
import WebSocket from 'ws';
import { ProtocolClient } from '../../src/shared/api/client';
import type { AppEvent } from '../../src/shared/api/protocol';

export interface NodeApiClient {
  client: ProtocolClient;
  events: AppEvent[];
  close(): Promise<void>;
}

/** Session cookies by server (port and token): the printed link's token is accepted once only. */
const sessions = new Map<string, string>();

/** Exchange the one-time token for the session cookie, as a browser opening the link does. */
async function login(port: number, token: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/?token=${token}`, { redirect: 'manual' });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  if (res.status !== 303 || !cookie) throw new Error(`login to port ${port} failed: HTTP ${res.status}`);
  return cookie;
}

function open(port: number, cookie: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers: { Cookie: cookie } });
  return new Promise<WebSocket>((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export async function connectApi(port: number, token: string): Promise<NodeApiClient> {
  const key = `${port}|${token}`;
  let ws: WebSocket;
  const known = sessions.get(key);
  try {
    if (known === undefined) throw new Error('no session yet');
    ws = await open(port, known);
  } catch {
    // No session yet, or a restarted server on the same port that no longer knows it: log in afresh.
    const cookie = await login(port, token);
    sessions.set(key, cookie);
    ws = await open(port, cookie);
  }
  const client = new ProtocolClient((m) => ws.send(JSON.stringify(m)), 'n');
  const events: AppEvent[] = [];
  client.onEvent((e) => events.push(e));
  ws.on('message', (data) => client.receive(JSON.parse(data.toString())));
  ws.on('close', () => client.failAll('the connection closed'));
  return {
    client,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) resolve();
        else {
          ws.once('close', () => resolve());
          ws.close();
        }
      }),
  };
}
