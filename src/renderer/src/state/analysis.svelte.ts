/** The analysis launcher: pick a dataset, an analysis and its options, run it as a job. */
import type { AnalysisKind, COPY_INPUTS } from '../../../shared/api/analysisKinds';
import type { ParamsOf } from '../../../shared/api/operations';
import type { RunOutcome } from '../../../shared/api/projectTypes';
import type { JobsState } from './jobs.svelte';
import { ANALYSIS_LABELS } from '../../../shared/api/analysisKinds';

type PatchTarget = NonNullable<ParamsOf<'analysis.run'>['target']>;

export class AnalysisLauncher {
  datasetId = $state<number | null>(null);
  kind = $state<AnalysisKind>('logit-lens');
  side = $state<'clean' | 'corrupted'>('clean');
  target = $state<PatchTarget>('heads');
  direction = $state<'denoise' | 'noise'>('denoise');
  /** Patching: every cell exactly, or AtP* estimates with the top `verifyTop` cells patched exactly. */
  method = $state<'exact' | 'atp'>('exact');
  verifyTop = $state(10);
  item = $state(0);
  /** Patching / DLA: only this template's items ('' = all, one panel per template). */
  template = $state('');
  /** Attention: a typed prompt (all heads of the model on it) instead of a dataset item. */
  prompt = $state('');
  layer = $state(0);
  head = $state(0);
  neuron = $state(0);
  y = $state<'logit' | 'attention'>('attention');
  k = $state(5);
  /** Copy scores: the OV circuits' input ('' = the model's convention: after MLP0, token embeddings without MLPs). */
  copyInput = $state<(typeof COPY_INPUTS)[number] | ''>('');
  /** Copy scores: score the antonym pairs (their comparatives join the candidates). */
  antonyms = $state(true);
  error = $state<string | null>(null);
  busy = $state(false);
  readonly #jobs: JobsState;

  constructor(jobs: JobsState) {
    this.#jobs = jobs;
  }

  params(): ParamsOf<'analysis.run'> | null {
    if (this.datasetId === null) return null;
    const base = { datasetId: this.datasetId, kind: this.kind };
    switch (this.kind) {
      case 'logit-lens':
        return { ...base, side: this.side };
      case 'dla':
        return { ...base, side: this.side, ...(this.template ? { template: this.template } : {}) };
      case 'patching':
        return {
          ...base,
          target: this.target,
          direction: this.direction,
          ...(this.method === 'atp' ? { method: 'atp' as const, verifyTop: this.verifyTop } : {}),
          ...(this.template ? { template: this.template } : {}),
        };
      case 'attention':
        return { ...base, item: this.item };
      case 'correlation':
        return { ...base, layer: this.layer, head: this.head, y: this.y };
      case 'copy-scores':
        return { ...base, k: this.k, antonyms: this.antonyms, ...(this.copyInput ? { input: this.copyInput } : {}) };
      case 'neuroscope':
        return { ...base, layer: this.layer, neuron: this.neuron, k: this.k };
    }
  }

  /** The analysis' name as a run title: patching says which method. */
  label(): string {
    return `${ANALYSIS_LABELS[this.kind]}${this.kind === 'patching' && this.method === 'atp' ? ' (AtP*)' : ''}`;
  }

  /** Every head's attention on a typed prompt, or on one item of a dataset (a job; the run is saved). */
  async attention(of: { prompt: string } | { datasetId: number; item: number }, title: string): Promise<RunOutcome | null> {
    this.busy = true;
    this.error = null;
    try {
      return await this.#jobs.run('analysis.attention', of, title);
    } catch {
      return null;
    } finally {
      this.busy = false;
    }
  }

  /** Run as a job; resolves with the outcome (null when it failed or was cancelled: the jobs panel says why). */
  async run(datasetName: string | null): Promise<RunOutcome | null> {
    if (this.kind === 'attention' && this.prompt.trim()) return this.attention({ prompt: this.prompt.trim() }, `Attention on "${this.prompt.trim().slice(0, 40)}"`);
    if (this.kind === 'attention' && this.datasetId !== null) return this.attention({ datasetId: this.datasetId, item: this.item }, `Attention, item ${this.item}${datasetName ? ` of ${datasetName}` : ''}`);
    const params = this.params();
    if (!params) {
      this.error = 'Choose a dataset first (generate or import one).';
      return null;
    }
    this.busy = true;
    this.error = null;
    try {
      return await this.#jobs.run('analysis.run', params, `${this.label()}${datasetName ? ` on ${datasetName}` : ''}`);
    } catch {
      return null;
    } finally {
      this.busy = false;
    }
  }
}
