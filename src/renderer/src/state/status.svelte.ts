/** The status bar's data: app.info polled every few seconds (model, live backend, memory). */
import type { ApiClient } from '../../../shared/api/client';
import { plainMessage } from '../../../shared/api/errors';
import type { AppInfo } from '../../../shared/api/types';

export class StatusState {
  info = $state<AppInfo | null>(null);
  error = $state<string | null>(null);
  readonly transport: ApiClient['transport'];
  readonly #client: ApiClient;
  #timer: ReturnType<typeof setInterval> | undefined;

  backendLabel = $derived.by(() => {
    const backend = this.info?.backend;
    if (!backend) return 'no backend';
    const label = `${backend.name} · ${backend.gpu ? 'GPU' : 'CPU'}`;
    // A preferred backend failed to load: say so here, the reason is in the tooltip and Diagnostics.
    return backend.failures?.length ? `${label} · ${backend.failures.map((f) => f.provider).join(', ')} failed` : label;
  });

  constructor(client: ApiClient) {
    this.#client = client;
    this.transport = client.transport;
  }

  async refresh(): Promise<void> {
    try {
      this.info = await this.#client.call('app.info', {});
      this.error = null;
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  start(intervalMs = 3000): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
