/**
 * The object the preload exposes as `window.api`: one method per operation, generated from the
 * operation table. Results and errors come back as data (Outcome), because Error objects lose
 * their code when they cross the contextBridge. No Electron import, so it is testable in Node.
 */
import type { BridgeApi, BridgeCallOptions, ProtocolClient } from '../shared/api/client';
import { ApiError, type ApiErrorPayload } from '../shared/api/errors';
import { OP_NAMES } from '../shared/api/operations';
import type { AppEvent } from '../shared/api/protocol';

function toPayload(error: unknown): ApiErrorPayload {
  if (error instanceof ApiError) return error.toPayload();
  return { code: 'failed', message: error instanceof Error ? error.message : String(error) };
}

/** Options come from page code: keep only well-typed fields. */
function cleanOptions(options: unknown): BridgeCallOptions {
  if (typeof options !== 'object' || options === null) return {};
  const o = options as Record<string, unknown>;
  return {
    id: typeof o.id === 'string' ? o.id : undefined,
    onProgress: typeof o.onProgress === 'function' ? (o.onProgress as BridgeCallOptions['onProgress']) : undefined,
  };
}

export function buildBridge(client: ProtocolClient): BridgeApi {
  const api: Record<string, unknown> = {};
  for (const op of OP_NAMES) {
    api[op] = (params: unknown, options?: unknown) => {
      const { id, onProgress } = cleanOptions(options);
      return client.call(op, params as never, { id, onProgress }).then(
        (result) => ({ ok: true, result }),
        (error: unknown) => ({ ok: false, error: toPayload(error) }),
      );
    };
  }
  api.cancel = (id: unknown) => {
    if (typeof id === 'string') client.cancel(id);
  };
  api.onEvent = (listener: unknown) => {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    return client.onEvent(listener as (event: AppEvent) => void);
  };
  return Object.freeze(api) as BridgeApi;
}
