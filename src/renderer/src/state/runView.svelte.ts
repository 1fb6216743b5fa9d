/** One saved run as a view: its record, its result as panels, and the head shown for attention. */
import type { ApiClient } from '../../../shared/api/client';
import { plainMessage } from '../../../shared/api/errors';
import type { RunDetail } from '../../../shared/api/projectTypes';
import { resultPanels, type ResultPanel } from '../lib/resultPanels';
import { asResultView, type ResultView } from '../lib/resultTypes';

export class RunView {
  detail = $state.raw<RunDetail | null>(null);
  error = $state<string | null>(null);
  layer = $state(0);
  head = $state(0);
  readonly #client: ApiClient;

  result = $derived<ResultView | null>(asResultView(this.detail?.results[0]?.summary));
  panels = $derived<ResultPanel[]>(this.result ? resultPanels(this.result, { layer: this.layer, head: this.head }) : []);
  /** Layers and heads of an attention result (for its head picker). */
  heads = $derived(this.result?.kind === 'attention' ? { layers: this.result.shape[0], heads: this.result.shape[1] } : null);

  constructor(
    client: ApiClient,
    readonly runId: number,
  ) {
    this.#client = client;
  }

  async load(): Promise<void> {
    try {
      this.detail = await this.#client.call('run.get', { runId: this.runId });
      this.error = null;
    } catch (error) {
      this.error = plainMessage(error);
    }
  }
}
