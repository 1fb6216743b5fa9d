/**
 * The client side of the protocol, shared by the preload (over IPC) and the browser (over
 * WebSocket): it numbers requests, routes progress to the caller, turns results and errors into
 * promises, and sends `cancel` when the caller's AbortSignal fires.
 */
import { ApiError, type ApiErrorPayload } from './errors';
import type { OpName, ParamsOf, ResultOf } from './operations';
import { parseServerMessage, type AppEvent, type ClientMessage, type Progress, type ServerMessage } from './protocol';
import { validateOp, validateParams } from './validate';

export interface CallOptions {
  /** Request id; the client picks one when left out. */
  id?: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** What the renderer programs against, whichever transport carries it. */
export interface ApiClient {
  readonly transport: 'ipc' | 'websocket';
  call<K extends OpName>(op: K, params: ParamsOf<K>, options?: CallOptions): Promise<ResultOf<K>>;
  onEvent(listener: (event: AppEvent) => void): () => void;
}

/** A result or an error as data: what crosses the contextBridge (Error objects lose their code there). */
export type Outcome<T> = { ok: true; result: T } | { ok: false; error: ApiErrorPayload };

export interface BridgeCallOptions {
  id?: string;
  onProgress?: (progress: Progress) => void;
}

/** The one object the preload exposes as `window.api`: one method per operation, plus cancel and events. */
export type BridgeApi = {
  [K in OpName]: (params: ParamsOf<K>, options?: BridgeCallOptions) => Promise<Outcome<ResultOf<K>>>;
} & {
  cancel(id: string): void;
  onEvent(listener: (event: AppEvent) => void): () => void;
};

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: ApiError) => void;
  onProgress?: (progress: Progress) => void;
}

export class ProtocolClient {
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(event: AppEvent) => void>();
  private nextId = 1;

  constructor(
    private readonly send: (message: ClientMessage) => void,
    private readonly idPrefix = 'r',
  ) {}

  newId(): string {
    return `${this.idPrefix}${this.nextId++}`;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  call<K extends OpName>(op: K, params: ParamsOf<K>, options: CallOptions = {}): Promise<ResultOf<K>> {
    const id = options.id ?? this.newId();
    return new Promise<ResultOf<K>>((resolve, reject) => {
      try {
        // Validate here too, so a bad call fails before it travels; main validates again.
        validateParams(validateOp(op), params);
      } catch (error) {
        reject(error);
        return;
      }
      if (this.pending.has(id)) {
        reject(new ApiError('conflict', `request id ${id} is already in flight`));
        return;
      }
      if (options.signal?.aborted) {
        reject(new ApiError('cancelled', `${op} was cancelled`));
        return;
      }
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: options.onProgress });
      options.signal?.addEventListener('abort', () => this.cancel(id), { once: true });
      try {
        this.send({ type: 'request', id, op, params });
      } catch (error) {
        this.pending.delete(id);
        reject(new ApiError('transport', error instanceof Error ? error.message : String(error)));
      }
    });
  }

  /** Ask the other side to stop; the caller's promise rejects with 'cancelled' when it confirms. */
  cancel(id: string): void {
    if (!this.pending.has(id)) return;
    try {
      this.send({ type: 'cancel', id });
    } catch {
      this.settle(id, { type: 'error', id, error: { code: 'cancelled', message: 'cancelled (connection already closed)' } });
    }
  }

  onEvent(listener: (event: AppEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Feed one message from the other side. Malformed messages are reported, never thrown. */
  receive(raw: unknown): void {
    let message: ServerMessage;
    try {
      message = parseServerMessage(raw);
    } catch (error) {
      console.error('api client: dropped a malformed message:', error instanceof Error ? error.message : error);
      return;
    }
    if (message.type === 'event') {
      for (const listener of this.listeners) listener(message.event);
      return;
    }
    if (message.type === 'progress') {
      this.pending.get(message.id)?.onProgress?.(message.progress);
      return;
    }
    if (message.id === null) {
      console.error(`api client: the other side reported: ${message.type === 'error' ? message.error.message : ''}`);
      return;
    }
    this.settle(message.id, message);
  }

  /** The connection is gone: every pending call fails with a transport error. */
  failAll(reason: string): void {
    const error = new ApiError('transport', reason);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  private settle(id: string, message: ServerMessage): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (message.type === 'result') pending.resolve(message.result);
    else if (message.type === 'error') pending.reject(ApiError.fromPayload(message.error));
  }
}
