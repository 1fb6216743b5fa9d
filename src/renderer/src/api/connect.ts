/** One client for the whole renderer: IPC inside Electron, WebSocket in a browser. */
import type { ApiClient } from '../../../shared/api/client';
import { IpcApiClient } from './ipcClient';
import { apiSocketUrl } from './socketUrl';
import { WebSocketApiClient } from './wsClient';

export function connectApi(): ApiClient {
  if (window.api) return new IpcApiClient(window.api);
  return new WebSocketApiClient(apiSocketUrl(window.location));
}
