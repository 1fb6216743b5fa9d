/** One peer of the router: parses its messages, tracks its in-flight requests, cancels them on close. */
import { ApiError } from '../../shared/api/errors';
import { parseClientMessage, peekRequestId, type AppEvent, type ServerMessage } from '../../shared/api/protocol';
import type { ApiRouter } from './router';

/**
 * The abort reason of a request whose peer went away (page reloaded, tab closed, connection
 * dropped). Jobs outlive their page: a job handler sees this reason and keeps the run going.
 */
export const PEER_GONE = Symbol('peer gone');

export function isPeerGone(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason === PEER_GONE;
}

/** More concurrent requests than this from one peer is a bug or abuse, not a workload. */
const MAX_IN_FLIGHT = 256;

export class ApiConnection {
  private readonly inFlight = new Map<string, AbortController>();
  private closed = false;

  constructor(
    private readonly router: ApiRouter,
    private readonly send: (message: ServerMessage) => void,
    private readonly onClose: () => void,
  ) {}

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Handle one raw message from the peer. Never throws: bad input gets an error reply. */
  receive(raw: unknown): void {
    if (this.closed) return;
    let message;
    try {
      message = parseClientMessage(raw);
    } catch (error) {
      const payload = error instanceof ApiError ? error.toPayload() : { code: 'invalid_request' as const, message: String(error) };
      this.reply({ type: 'error', id: peekRequestId(raw), error: payload });
      return;
    }
    if (message.type === 'cancel') {
      this.inFlight.get(message.id)?.abort();
      return;
    }
    const { id, op, params } = message;
    if (this.inFlight.has(id)) {
      this.reply({ type: 'error', id, error: { code: 'conflict', message: `request id ${id} is already in flight` } });
      return;
    }
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.reply({ type: 'error', id, error: { code: 'conflict', message: `too many requests in flight (${MAX_IN_FLIGHT})` } });
      return;
    }
    const controller = new AbortController();
    this.inFlight.set(id, controller);
    this.router
      .invoke(op, params, {
        signal: controller.signal,
        onProgress: (progress) => this.reply({ type: 'progress', id, progress }),
      })
      .then(
        (result) => this.reply({ type: 'result', id, result }),
        (error: unknown) => {
          const apiError = error instanceof ApiError ? error : new ApiError('failed', String(error));
          this.reply({ type: 'error', id, error: apiError.toPayload() });
        },
      )
      .finally(() => this.inFlight.delete(id));
  }

  push(event: AppEvent): void {
    this.reply({ type: 'event', event });
  }

  /** The peer is gone: abort its calls (project jobs see PEER_GONE and keep running). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.inFlight.values()) controller.abort(PEER_GONE);
    this.inFlight.clear();
    this.onClose();
  }

  private reply(message: ServerMessage): void {
    if (this.closed) return;
    try {
      this.send(message);
    } catch (error) {
      // The peer vanished between the check and the send; nothing left to tell it.
      console.error('api: could not send a reply:', error instanceof Error ? error.message : error);
    }
  }
}
