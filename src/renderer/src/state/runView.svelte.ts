/**
 * One saved run as a view: its record, what it was computed on (and whether that changed since),
 * its parameters as name = value lines, its results as panels (every run kind has a view, see
 * lib/runViews), and the head shown for attention. An interrupted or cancelled run resumes here.
 */
import type { ApiClient } from '../../../shared/api/client';
import { isCancelled, plainMessage } from '../../../shared/api/errors';
import type { RunDetail } from '../../../shared/api/projectTypes';
import type { ResultPanel } from '../lib/resultPanels';
import { asResultView } from '../lib/resultTypes';
import { paramLines, runPanels } from '../lib/runViews';
import type { JobsState } from './jobs.svelte';

export class RunView {
  detail = $state.raw<RunDetail | null>(null);
  error = $state<string | null>(null);
  layer = $state(0);
  head = $state(0);
  readonly #client: ApiClient;
  readonly #jobs: JobsState;

  /** Null when the run's kind has no view (a unit test keeps that from happening). */
  panels = $derived<ResultPanel[] | null>(this.detail ? runPanels(this.detail.run.kind, this.detail.results, { layer: this.layer, head: this.head }) : []);
  params = $derived<string[]>(this.detail ? paramLines(this.detail.run.options) : []);
  /** Layers and heads of an attention result (for its head picker). */
  heads = $derived.by(() => {
    const r = asResultView(this.detail?.results[0]?.summary);
    return r?.kind === 'attention' ? { layers: r.shape[0], heads: r.shape[1] } : null;
  });

  constructor(
    client: ApiClient,
    jobs: JobsState,
    readonly runId: number,
  ) {
    this.#client = client;
    this.#jobs = jobs;
  }

  async load(): Promise<void> {
    try {
      this.detail = await this.#client.call('run.get', { runId: this.runId });
      this.error = null;
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  /** Run it again as a new run with the same parameters; resolves with the new run's id. */
  async rerun(label: string): Promise<number | null> {
    try {
      return (await this.#jobs.run('run.rerun', { runId: this.runId }, label)).run.id;
    } catch (error) {
      if (!isCancelled(error)) this.error = plainMessage(error);
      return null;
    }
  }

  /** Continue an interrupted or cancelled run (from its checkpoint when it has one). */
  async resume(label: string): Promise<void> {
    try {
      await this.#jobs.run('run.resume', { runId: this.runId }, label);
    } catch (error) {
      if (!isCancelled(error)) this.error = plainMessage(error);
    }
    await this.load();
  }
}
