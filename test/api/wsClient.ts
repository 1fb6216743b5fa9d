/** A Node WebSocket client of the workbench server speaking the real protocol (ProtocolClient). */
import WebSocket from 'ws';
import { ProtocolClient } from '../../src/shared/api/client';
import type { AppEvent } from '../../src/shared/api/protocol';

export interface NodeApiClient {
  client: ProtocolClient;
  events: AppEvent[];
  close(): Promise<void>;
}

export async function connectApi(port: number, token: string): Promise<NodeApiClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
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
