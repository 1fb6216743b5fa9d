/** The Predict view: a prompt, top-k, and the model's next-token distribution. */
import type { ApiClient } from '../../../shared/api/client';
import { isCancelled, plainMessage } from '../../../shared/api/errors';
import type { PredictResult } from '../../../shared/api/types';

export class PredictState {
  prompt = $state('When Mary and John went to the store, John gave a drink to');
  topK = $state(10);
  result = $state.raw<PredictResult | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  readonly #client: ApiClient;
  #controller: AbortController | null = null;

  canRun = $derived(this.prompt.trim().length > 0 && Number.isInteger(this.topK) && this.topK >= 1 && this.topK <= 100 && !this.busy);

  constructor(client: ApiClient) {
    this.#client = client;
  }

  async run(): Promise<void> {
    if (!this.canRun) return;
    this.#controller = new AbortController();
    this.busy = true;
    this.error = null;
    try {
      this.result = await this.#client.call('model.predict', { prompt: this.prompt, topK: this.topK }, { signal: this.#controller.signal });
    } catch (error) {
      if (!isCancelled(error)) this.error = plainMessage(error);
    } finally {
      this.busy = false;
      this.#controller = null;
    }
  }

  cancel(): void {
    this.#controller?.abort();
  }
}
