/** The API client inside Electron: calls the preload's window.api, one method per operation. */
import type { ApiClient, BridgeApi, CallOptions, Outcome } from '../../../shared/api/client';
import { ApiError } from '../../../shared/api/errors';
import type { OpName, ParamsOf, ResultOf } from '../../../shared/api/operations';
import type { AppEvent } from '../../../shared/api/protocol';

export class IpcApiClient implements ApiClient {
  readonly transport = 'ipc' as const;
  readonly #bridge: BridgeApi;
  #next = 1;

  constructor(bridge: BridgeApi) {
    this.#bridge = bridge;
  }

  async call<K extends OpName>(op: K, params: ParamsOf<K>, options: CallOptions = {}): Promise<ResultOf<K>> {
    const id = options.id ?? `w${this.#next++}`;
    if (options.signal?.aborted) throw new ApiError('cancelled', `${op} was cancelled`);
    const onAbort = (): void => this.#bridge.cancel(id);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const method = this.#bridge[op] as unknown as (p: ParamsOf<K>, o: object) => Promise<Outcome<ResultOf<K>>>;
      const outcome = await method(params, { id, onProgress: options.onProgress });
      if (outcome.ok) return outcome.result;
      throw ApiError.fromPayload(outcome.error);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  onEvent(listener: (event: AppEvent) => void): () => void {
    return this.#bridge.onEvent(listener);
  }
}
