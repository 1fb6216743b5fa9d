/**
 * The circuit editor's state: the document (plain TS, the source of truth), view state kept
 * apart from it (selection, hover, threshold), autosave of every change as a new circuit
 * version, and the jobs the editor starts (discovery, evaluation).
 */
import type { ApiClient } from '../../../shared/api/client';
import { plainMessage } from '../../../shared/api/errors';
import type { DiscoveryMethod } from '../../../shared/api/analysisKinds';
import { DISCOVERY_LABELS } from '../../../shared/api/analysisKinds';
import type { CircuitEvaluationOutcome } from '../../../shared/api/circuitTypes';
import { CircuitDocument } from '../circuit/document';
import { EMBED, LOGITS, type ModelShape } from '../circuit/modelGraph';
import { projectElements, type ElementDef } from '../circuit/projection';
import type { JobsState } from './jobs.svelte';

export type SaveStatus = 'saved' | 'unsaved' | 'saving' | 'failed';

const AUTOSAVE_DELAY_MS = 600;

export class CircuitEditor {
  doc = $state.raw<CircuitDocument | null>(null);
  /** Mirrors doc.revision so derived views recompute after each command. */
  revision = $state(0);
  name = $state('');
  version = $state(0);
  selection = $state<string[]>([]);
  hovered = $state<string | null>(null);
  threshold = $state(0);
  saveStatus = $state<SaveStatus>('saved');
  error = $state<string | null>(null);
  evaluation = $state.raw<CircuitEvaluationOutcome | null>(null);
  lastRun = $state<string | null>(null);
  /** Called after each successful save (the sidebar shows the head version). */
  onSaved: (() => void) | undefined;
  readonly #client: ApiClient;
  readonly #jobs: JobsState;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> = Promise.resolve();
  #savedRevision = 0;
  #pendingMessage = 'edited';

  elements = $derived.by<ElementDef[]>(() => {
    void this.revision;
    return this.doc ? projectElements(this.doc, { threshold: this.threshold }) : [];
  });
  maxScore = $derived.by(() => {
    void this.revision;
    return Math.max(0, ...(this.doc?.edges ?? []).map((e) => Math.abs(e.score ?? 0)));
  });
  selectedNode = $derived(this.selection.length === 1 && this.doc?.hasNode(this.selection[0]) ? this.selection[0] : null);

  constructor(
    client: ApiClient,
    jobs: JobsState,
    readonly circuitId: number,
    readonly shape: ModelShape,
  ) {
    this.#client = client;
    this.#jobs = jobs;
  }

  async load(): Promise<void> {
    try {
      const detail = await this.#client.call('circuit.get', { circuitId: this.circuitId });
      this.doc = new CircuitDocument(detail.graph, this.shape);
      this.name = detail.circuit.name;
      this.version = detail.version;
      this.#savedRevision = this.doc.revision;
      this.revision = this.doc.revision;
      this.saveStatus = 'saved';
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  /** Run one document command; a refusal is shown, a change is autosaved. */
  edit(message: string, command: (doc: CircuitDocument) => void): boolean {
    if (!this.doc) return false;
    try {
      command(this.doc);
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      return false;
    }
    this.error = null;
    this.#changed(message);
    return true;
  }

  undo(): void {
    if (this.doc?.undo()) this.#changed('undo');
  }

  redo(): void {
    if (this.doc?.redo()) this.#changed('redo');
  }

  select(ids: string[]): void {
    this.selection = ids;
  }

  /** Remove what is selected (nodes with their edges, or edges). */
  removeSelection(): void {
    const ids = [...this.selection];
    this.edit('removed', (doc) => {
      for (const id of ids) {
        if (doc.hasNode(id)) doc.removeNode(id);
        else if (doc.edges.some((e) => `${e.source}->${e.target}${e.input ? `:${e.input}` : ''}` === id)) doc.removeEdge(id);
      }
    });
    this.selection = [];
  }

  /** Remove edges under the threshold (and nodes left unconnected) from the circuit itself. */
  applyThreshold(): void {
    const t = this.threshold;
    this.edit(`pruned at |score| < ${t}`, (doc) => {
      for (const e of [...doc.edges]) if (e.score !== undefined && Math.abs(e.score) < t) doc.removeEdge(`${e.source}->${e.target}${e.input ? `:${e.input}` : ''}`);
      const connected = new Set(doc.edges.flatMap((e) => [e.source, e.target]));
      for (const n of [...doc.nodes]) if (!connected.has(n.id) && n.id !== EMBED && n.id !== LOGITS) doc.removeNode(n.id);
    });
  }

  async rename(name: string): Promise<void> {
    try {
      this.name = (await this.#client.call('circuit.rename', { circuitId: this.circuitId, name })).name;
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  /** Save now (autosave normally does it shortly after each change). */
  async flush(): Promise<void> {
    clearTimeout(this.#saveTimer);
    this.#saving = this.#saving.then(() => this.#save());
    await this.#saving;
  }

  async discover(method: DiscoveryMethod, datasetId: number, options: { threshold?: number; topN?: number }, datasetName: string): Promise<void> {
    try {
      const outcome = await this.#jobs.run('circuit.discover', { datasetId, method, ...options }, `${DISCOVERY_LABELS[method]} on ${datasetName}`);
      this.edit(`${DISCOVERY_LABELS[method]} (run ${outcome.run.id})`, (doc) => doc.replace(outcome.graph));
      this.lastRun = `${DISCOVERY_LABELS[method]} run ${outcome.run.id}: ${outcome.graph.edges.length} edges, ${outcome.graph.nodes.length} nodes`;
      await this.flush();
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  async evaluate(datasetId: number, datasetName: string): Promise<void> {
    try {
      await this.flush();
      this.evaluation = await this.#jobs.run('circuit.evaluate', { circuitId: this.circuitId, datasetId }, `Evaluate ${this.name} on ${datasetName}`);
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  #changed(message: string): void {
    this.revision = this.doc?.revision ?? this.revision + 1;
    this.#pendingMessage = message;
    this.saveStatus = 'unsaved';
    clearTimeout(this.#saveTimer);
    this.#saveTimer = setTimeout(() => void this.flush(), AUTOSAVE_DELAY_MS);
  }

  async #save(): Promise<void> {
    const doc = this.doc;
    if (!doc || doc.revision === this.#savedRevision) return;
    const revision = doc.revision;
    this.saveStatus = 'saving';
    try {
      const { version } = await this.#client.call('circuit.save', { circuitId: this.circuitId, graph: doc.toJSON() as unknown as Record<string, unknown>, message: this.#pendingMessage });
      this.version = version;
      this.#savedRevision = revision;
      this.saveStatus = doc.revision === revision ? 'saved' : 'unsaved';
      this.onSaved?.();
    } catch (error) {
      this.saveStatus = 'failed';
      this.error = `Could not save: ${plainMessage(error)}`;
    }
  }
}
