/** One client for the whole renderer: IPC inside Electron, WebSocket in a browser. */
import type { ApiClient } from '../../../shared/api/client';
import { IpcApiClient } from './ipcClient';
import { apiSocketUrl, takeAccessToken } from './token';
import { WebSocketApiClient } from './wsClient';

export class MissingTokenError extends Error {
  constructor() {
    super('This page needs the address with "?token=…" that `npm run serve` printed. Open that address again.');
    this.name = 'MissingTokenError';
  }
}

export function connectApi(): ApiClient {
  if (window.api) return new IpcApiClient(window.api);
  const token = takeAccessToken(window.location, window.sessionStorage, window.history);
  if (!token) throw new MissingTokenError();
  return new WebSocketApiClient(apiSocketUrl(window.location, token));
}
