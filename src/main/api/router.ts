/**
 * The transport-agnostic API router: validates each request against the operation table, runs
 * its handler with a cancellation signal and a progress callback, and serves any number of
 * connections (one per window over IPC, one per socket over WebSocket). No Electron here.
 */
import { ApiError } from '../../shared/api/errors';
import type { OpName, ResultOf } from '../../shared/api/operations';
import type { AppEvent, Progress, ServerMessage } from '../../shared/api/protocol';
import { validateOp, validateParams } from '../../shared/api/validate';
import { ApiConnection } from './connection';
import { handlers as defaultHandlers, type Handler, type HandlerTable } from './handlers';
import type { Services } from './services';

export interface InvokeOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export class ApiRouter {
  private readonly connections = new Set<ApiConnection>();

  constructor(
    readonly services: Services,
    private readonly handlers: HandlerTable = defaultHandlers,
  ) {
    // Jobs belong to the back end: every connection sees every run's status and progress.
    services.projects()?.onJobEvent?.((job) => this.broadcast({ kind: 'job', job }));
  }

  /**
   * Run one operation. `params` is unknown on purpose: every caller, in-process ones such as the
   * menu included, goes through the same validation.
   */
  async invoke<K extends OpName>(op: K | string, params: unknown, options: InvokeOptions = {}): Promise<ResultOf<K>> {
    const name = validateOp(op);
    const parsed = validateParams(name, params);
    const signal = options.signal ?? new AbortController().signal;
    if (signal.aborted) throw new ApiError('cancelled', `${name} was cancelled`);
    const handler = this.handlers[name] as Handler<OpName>;
    try {
      const result = await handler(parsed as never, {
        services: this.services,
        signal,
        progress: (p) => {
          if (!signal.aborted) options.onProgress?.(p);
        },
      });
      if (signal.aborted) throw new ApiError('cancelled', `${name} was cancelled`);
      return result as ResultOf<K>;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (signal.aborted) throw new ApiError('cancelled', `${name} was cancelled`);
      // A handler's own failure: keep its message (it is written for people), log the stack here.
      console.error(`api: ${name} failed:`, error);
      throw new ApiError('failed', error instanceof Error ? error.message : String(error));
    }
  }

  /** Open a connection whose replies go to `send`; close it when the peer goes away. */
  connect(send: (message: ServerMessage) => void): ApiConnection {
    const connection = new ApiConnection(this, send, () => this.connections.delete(connection));
    this.connections.add(connection);
    return connection;
  }

  /** Push an event to every open connection (e.g. the menu opened a project). */
  broadcast(event: AppEvent): void {
    for (const connection of this.connections) connection.push(event);
  }

  get connectionCount(): number {
    return this.connections.size;
  }
}
