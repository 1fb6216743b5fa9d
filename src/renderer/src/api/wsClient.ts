/**
 * The API client in a browser: the same protocol over a WebSocket to `npm run serve`. Messages
 * sent while (re)connecting wait in a queue; a lost connection fails the calls in flight (project
 * runs they started go on in the back end) and reconnects with backoff; `onReconnect` lets the
 * jobs panel re-attach to the runs still going.
 */
import { ProtocolClient, type ApiClient, type CallOptions } from '../../../shared/api/client';
import type { OpName, ParamsOf, ResultOf } from '../../../shared/api/operations';
import type { AppEvent, ClientMessage } from '../../../shared/api/protocol';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export class WebSocketApiClient implements ApiClient {
  readonly transport = 'websocket' as const;
  readonly #url: string;
  readonly #protocol: ProtocolClient;
  readonly #queue: ClientMessage[] = [];
  #socket: WebSocket | null = null;
  #retryMs = 500;
  #stopped = false;
  state: ConnectionState = 'connecting';
  onStateChange: ((state: ConnectionState) => void) | undefined;
  readonly #reconnectListeners = new Set<() => void>();
  #everOpen = false;

  constructor(url: string) {
    this.#url = url;
    this.#protocol = new ProtocolClient((message) => this.#send(message), 'ws-');
    this.#open();
  }

  call<K extends OpName>(op: K, params: ParamsOf<K>, options?: CallOptions): Promise<ResultOf<K>> {
    return this.#protocol.call(op, params, options);
  }

  onEvent(listener: (event: AppEvent) => void): () => void {
    return this.#protocol.onEvent(listener);
  }

  /** Called each time the connection opens again after it was lost. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  close(): void {
    this.#stopped = true;
    this.#socket?.close();
  }

  #setState(state: ConnectionState): void {
    this.state = state;
    this.onStateChange?.(state);
  }

  #open(): void {
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    this.#setState('connecting');
    socket.onopen = () => {
      this.#retryMs = 500;
      this.#setState('open');
      for (const message of this.#queue.splice(0)) socket.send(JSON.stringify(message));
      if (this.#everOpen) for (const listener of this.#reconnectListeners) listener();
      this.#everOpen = true;
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      try {
        this.#protocol.receive(JSON.parse(event.data));
      } catch {
        console.error('api: the server sent a message that is not JSON');
      }
    };
    socket.onclose = () => {
      this.#socket = null;
      this.#setState('closed');
      this.#queue.length = 0;
      this.#protocol.failAll('the connection to the workbench server was lost');
      if (this.#stopped) return;
      setTimeout(() => this.#open(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 10_000);
    };
  }

  #send(message: ClientMessage): void {
    if (this.#socket && this.#socket.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
    else if (message.type === 'request') this.#queue.push(message);
    else throw new Error('not connected');
  }
}
