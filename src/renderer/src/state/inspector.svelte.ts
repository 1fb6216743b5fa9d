/**
 * What the inspector shows for the selected node, taken from the project's latest finished
 * runs: a head's attention pattern, its direct logit attribution, its copy scores.
 */
import type { ApiClient } from '../../../shared/api/client';
import type { RunEntry } from '../../../shared/api/projectTypes';
import { parseNodeId, type ModelShape } from '../circuit/modelGraph';
import { attentionPanels, type ResultPanel } from '../lib/resultPanels';
import { asResultView, type ResultView } from '../lib/resultTypes';

export interface NodeFacts {
  label: string;
  attention: ResultPanel | null;
  dla: number | null;
  dlaRun: number | null;
  copying: number | null;
  negative: number | null;
  /** The head's antonym score and the average head's, when the copy-score run scored antonym pairs. */
  antonym: { head: number; averageHead: number | null } | null;
  /** Where the head looks from the last position of the attention run's prompt (its top source token). */
  topAttended: { token: string; position: number; prob: number } | null;
  /** Which analyses to run to see more. */
  missing: string[];
}

export class InspectorData {
  results = $state.raw<Record<string, ResultView & { runId: number }>>({});
  readonly #client: ApiClient;
  readonly #loaded = new Set<number>();

  constructor(client: ApiClient) {
    this.#client = client;
  }

  /** Fetch the newest finished run of each kind the inspector uses (once per run). */
  async refresh(runs: readonly RunEntry[]): Promise<void> {
    const latest = new Map<string, number>();
    for (const run of runs) if (run.status === 'done' && ['attention', 'dla', 'copy-scores'].includes(run.kind) && !latest.has(run.kind)) latest.set(run.kind, run.id);
    const next = { ...this.results };
    for (const [kind, runId] of latest) {
      if (this.#loaded.has(runId)) continue;
      try {
        const detail = await this.#client.call('run.get', { runId });
        const view = asResultView(detail.results[0]?.summary);
        if (view) next[kind] = { ...view, runId };
        this.#loaded.add(runId);
      } catch {
        // A run deleted meanwhile: nothing to show for it.
      }
    }
    this.results = next;
  }

  facts(nodeId: string, shape: ModelShape): NodeFacts | null {
    const info = parseNodeId(nodeId, shape);
    if (!info) return null;
    const facts: NodeFacts = { label: info.label, attention: null, dla: null, dlaRun: null, copying: null, negative: null, antonym: null, topAttended: null, missing: [] };
    if (info.kind !== 'head') return facts;
    const l = info.layer;
    const h = info.head ?? 0;
    const i = l * shape.nHead + h;
    const attention = this.results.attention;
    if (attention?.kind === 'attention' && l < attention.shape[0]) {
      facts.attention = attentionPanels(attention, l, h)[0];
      const T = attention.shape[2];
      const row = (((l * attention.shape[1] + h) * T) + (T - 1)) * T; // [L, H, T, T]: the last destination's row
      let best = 0;
      for (let k = 1; k < T; k++) if (attention.values[row + k] > attention.values[row + best]) best = k;
      facts.topAttended = { token: attention.tokens[best] ?? '', position: best, prob: attention.values[row + best] };
    }
    else facts.missing.push('an attention pattern');
    const dla = this.results.dla;
    if (dla?.kind === 'dla') {
      facts.dla = dla.heads.values[i] ?? null;
      facts.dlaRun = dla.runId;
    } else facts.missing.push('direct logit attribution');
    const copy = this.results['copy-scores'];
    if (copy?.kind === 'copy-scores') {
      facts.copying = copy.copying[i] ?? null;
      facts.negative = copy.negative[i] ?? null;
      const antonym = copy.antonym?.[i];
      if (antonym !== undefined) facts.antonym = { head: antonym, averageHead: copy.averageHead?.antonym ?? null };
    } else facts.missing.push('copy scores');
    return facts;
  }
}
