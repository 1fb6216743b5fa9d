/**
 * The model-editing view: a ROME edit or a rank-1 head edit of the loaded model (each a job
 * that saves the edit and the edited model in the project), and the comparison of any project
 * models on prompts and a dataset (the outline's Input | Model | Prediction | Logit table).
 */
import { isCancelled, plainMessage } from '../../../shared/api/errors';
import type { HeadEditOutcome, ModelComparison, RomeOutcome } from '../../../shared/api/editTypes';
import type { JobsState } from './jobs.svelte';

/** Non-empty lines of a text box. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** An optional integer field: blank is absent; anything else must be a whole number >= 0. */
export function optionalLayer(text: string): number | undefined | null {
  const t = text.trim();
  if (t === '' || t === 'auto') return undefined;
  const n = Number(t);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

export class ModelEditing {
  // ROME
  prompt = $state('When Mary and John went to the store, John gave a drink to');
  subject = $state('John');
  target = $state(' John');
  /** 'auto' or blank: causal tracing picks the layer. */
  layer = $state('auto');
  lastOccurrence = $state(true);
  contexts = $state(0);
  steps = $state(60);
  neighbourhood = $state('');
  rome = $state.raw<RomeOutcome | null>(null);

  // Head edit
  headKind = $state<'ov' | 'qk'>('ov');
  headLayer = $state(0);
  head = $state(0);
  headPrompt = $state('When Mary and John went to the store, John gave a drink to');
  /** OV: how far to move the projection towards the target (1 = all the way). */
  headStrength = $state(1);
  headTarget = $state<'reflect' | 'zero'>('reflect');
  source = $state('Mary');
  plus = $state('John');
  minus = $state('Mary');
  key = $state('John');
  scoreChange = $state(5);
  headResult = $state.raw<HeadEditOutcome | null>(null);

  // Compare
  compareIds = $state<number[]>([]);
  comparePrompts = $state('When Mary and John went to the store, John gave a drink to');
  compareDatasetId = $state<number | null>(null);
  /** Also diff the models' top-N EAP-IG circuits on the dataset (0: no). */
  circuitTopN = $state(0);
  comparison = $state.raw<ModelComparison | null>(null);

  busy = $state(false);
  error = $state<string | null>(null);
  readonly #jobs: JobsState;

  layerValue = $derived(optionalLayer(this.layer));
  canRome = $derived(!this.busy && this.prompt.trim() !== '' && this.subject.trim() !== '' && this.target.trim() !== '' && this.layerValue !== null);
  canHead = $derived(!this.busy && this.headPrompt.trim() !== '' && (this.headKind === 'ov' ? this.source.trim() !== '' && this.plus.trim() !== '' : this.key.trim() !== ''));
  canCompare = $derived(!this.busy && this.compareIds.length > 0 && (lines(this.comparePrompts).length > 0 || this.compareDatasetId !== null));

  constructor(jobs: JobsState) {
    this.#jobs = jobs;
  }

  async runRome(): Promise<void> {
    if (!this.canRome) return;
    await this.#job(async () => {
      const neighbourhood = lines(this.neighbourhood);
      this.rome = await this.#jobs.run(
        'edit.rome',
        {
          prompt: this.prompt,
          subject: this.subject.trim(),
          target: this.target,
          ...(this.layerValue === undefined ? {} : { layer: this.layerValue! }),
          last: this.lastOccurrence,
          contexts: this.contexts,
          steps: this.steps,
          ...(neighbourhood.length > 0 ? { neighbourhood } : {}),
        },
        `ROME: ${this.subject.trim()} -> ${this.target.trim()}`,
      );
      this.toggleCompared(this.rome.model.id, true);
    });
  }

  async runHead(): Promise<void> {
    if (!this.canHead) return;
    await this.#job(async () => {
      const words = this.headKind === 'ov' ? { source: this.source.trim(), plus: this.plus.trim(), ...(this.minus.trim() ? { minus: this.minus.trim() } : {}), strength: this.headStrength, target: this.headTarget } : { key: this.key.trim(), scoreChange: this.scoreChange };
      this.headResult = await this.#jobs.run(
        'edit.head',
        { kind: this.headKind, layer: this.headLayer, head: this.head, prompt: this.headPrompt, ...words },
        `${this.headKind.toUpperCase()} edit of L${this.headLayer}H${this.head}`,
      );
      this.toggleCompared(this.headResult.model.id, true);
    });
  }

  async compare(): Promise<void> {
    if (!this.canCompare) return;
    await this.#job(async () => {
      this.comparison = await this.#jobs.run(
        'edit.compare',
        {
          modelIds: this.compareIds,
          prompts: lines(this.comparePrompts),
          ...(this.compareDatasetId === null ? {} : { datasetId: this.compareDatasetId }),
          ...(this.compareDatasetId !== null && this.circuitTopN > 0 && this.compareIds.length > 1 ? { circuitTopN: this.circuitTopN } : {}),
        },
        `Compare ${this.compareIds.length} models`,
      );
    });
  }

  toggleCompared(modelId: number, on: boolean): void {
    this.compareIds = on ? [...new Set([...this.compareIds, modelId])] : this.compareIds.filter((id) => id !== modelId);
  }

  /** Compare the loaded model with new edits by default. */
  seedComparison(loadedId: number | undefined): void {
    if (this.compareIds.length === 0 && loadedId !== undefined) this.compareIds = [loadedId];
  }

  async #job(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await work();
    } catch (error) {
      if (!isCancelled(error)) this.error = plainMessage(error);
    } finally {
      this.busy = false;
    }
  }
}
