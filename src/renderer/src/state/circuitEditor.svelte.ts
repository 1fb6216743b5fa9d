/**
 * The circuit editor's state: the document (plain TS, the source of truth), view state kept
 * apart from it (selection, hover, threshold), autosave of every change as a new circuit
 * version, and the jobs the editor starts (discovery, evaluation).
 */
import type { ApiClient } from '../../../shared/api/client';
import { ApiError, plainMessage } from '../../../shared/api/errors';
import type { DiscoveryMethod } from '../../../shared/api/analysisKinds';
import { DISCOVERY_LABELS } from '../../../shared/api/analysisKinds';
import type { CircuitEvaluationOutcome, CircuitVersionMetaView } from '../../../shared/api/circuitTypes';
import { CircuitDocument } from '../circuit/document';
import { EMBED, LOGITS, type ModelShape } from '../circuit/modelGraph';
import { projectElements, type ElementDef } from '../circuit/projection';
import type { JobsState } from './jobs.svelte';

export type SaveStatus = 'saved' | 'unsaved' | 'saving' | 'failed' | 'conflict';

/** Where a discovery run from the editor writes its circuit: never over the version on screen. */
export type DiscoveryTarget = 'new-circuit' | 'new-version';

/** Another window saved this circuit after the version this edit started from. */
export interface SaveConflict {
  message: string;
  headVersion: number | null;
}

export interface VersionDiff {
  from: number;
  to: number;
  nodes: { onlyA: string[]; onlyB: string[] };
  edges: { onlyA: string[]; onlyB: string[] };
}

const AUTOSAVE_DELAY_MS = 600;

export class CircuitEditor {
  doc = $state.raw<CircuitDocument | null>(null);
  /** Mirrors doc.revision so derived views recompute after each command. */
  revision = $state(0);
  name = $state('');
  /** The head version this editor's edits build on (sent as baseVersion with every save). */
  version = $state(0);
  /** The version whose graph is on screen (the head unless an older one was opened from the history). */
  shownVersion = $state(0);
  selection = $state<string[]>([]);
  hovered = $state<string | null>(null);
  threshold = $state(0);
  /** Supernodes shown collapsed (view state: not saved with the circuit). */
  collapsed = $state<string[]>([]);
  saveStatus = $state<SaveStatus>('saved');
  error = $state<string | null>(null);
  evaluation = $state.raw<CircuitEvaluationOutcome | null>(null);
  /** The version (and document revision) the evaluation on screen was computed on. */
  evaluationOf = $state<{ version: number; revision: number } | null>(null);
  lastRun = $state<string | null>(null);
  /** The discovery method whose scores the edges on screen carry (set by a discovery from this editor). */
  scoredBy = $state<DiscoveryMethod | null>(null);
  conflict = $state.raw<SaveConflict | null>(null);
  versions = $state.raw<CircuitVersionMetaView[]>([]);
  versionDiff = $state.raw<VersionDiff | null>(null);
  /** Scores shown belong to the graph on screen only while it is the version they were computed on. */
  evaluationStale = $derived(this.evaluation !== null && (this.evaluationOf?.version !== this.version || this.evaluationOf?.revision !== this.revision));
  /** Called after each successful save (the sidebar shows the head version). */
  onSaved: (() => void) | undefined;
  /** Open another circuit (a discovery run's new circuit, or "save mine as a new circuit"). */
  onOpenCircuit: ((id: number, name: string) => void) | undefined;
  readonly #client: ApiClient;
  readonly #jobs: JobsState;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> = Promise.resolve();
  #savedRevision = 0;
  #pendingMessage = 'edited';

  elements = $derived.by<ElementDef[]>(() => {
    void this.revision;
    return this.doc ? projectElements(this.doc, { threshold: this.threshold, collapsed: new Set(this.collapsed) }) : [];
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

  /** Collapse a supernode into one node, or expand it again. */
  toggleCollapsed(groupId: string): void {
    this.collapsed = this.collapsed.includes(groupId) ? this.collapsed.filter((g) => g !== groupId) : [...this.collapsed, groupId];
  }

  /** Load the head version (or, to look at one, an older `version`: editing it saves on top of the head). */
  async load(version?: number): Promise<void> {
    try {
      clearTimeout(this.#saveTimer);
      const detail = await this.#client.call('circuit.get', { circuitId: this.circuitId, ...(version !== undefined ? { version } : {}) });
      this.doc = new CircuitDocument(detail.graph, this.shape);
      this.name = detail.circuit.name;
      this.version = detail.circuit.headVersion;
      this.shownVersion = detail.version;
      this.versions = detail.versions;
      this.#savedRevision = this.doc.revision;
      this.revision = this.doc.revision;
      this.saveStatus = 'saved';
      this.conflict = null;
      this.error = null;
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  /** Restore an older version: saved as a new head version (the history keeps every version). */
  async restore(version: number): Promise<void> {
    try {
      await this.flush();
      const old = await this.#client.call('circuit.get', { circuitId: this.circuitId, version });
      await this.#client.call('circuit.save', { circuitId: this.circuitId, graph: old.graph as unknown as Record<string, unknown>, message: `restored version ${version}`, baseVersion: this.version });
      await this.load();
      this.onSaved?.();
    } catch (error) {
      this.#failed(error);
    }
  }

  /** Nodes and edges that differ between an older version and the version on screen. */
  async diff(version: number): Promise<void> {
    try {
      const d = await this.#client.call('circuit.diff', { a: this.circuitId, b: this.circuitId, aVersion: version, bVersion: this.shownVersion });
      this.versionDiff = { from: version, to: this.shownVersion, nodes: d.nodes, edges: d.edges };
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  /** After a conflict: keep this edit as a new circuit (the other window's version stays the head here). */
  async saveAsNewCircuit(): Promise<void> {
    const doc = this.doc;
    if (!doc) return;
    try {
      const created = await this.#client.call('circuit.create', { name: `${this.name} (my edit)`, graph: doc.toJSON() as unknown as Record<string, unknown> });
      this.onSaved?.();
      await this.load();
      this.onOpenCircuit?.(created.id, created.name);
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

  /**
   * Find a circuit on a dataset. It never overwrites the version on screen: the run writes a new
   * circuit named after it (opened here when it ends), or a new version of this circuit when asked.
   */
  async discover(method: DiscoveryMethod, datasetId: number, options: { threshold?: number; topN?: number }, datasetName: string, target: DiscoveryTarget = 'new-circuit'): Promise<void> {
    try {
      await this.flush();
      const saveTo = target === 'new-version' ? { saveTo: target, circuitId: this.circuitId, baseVersion: this.version } : { saveTo: target };
      const outcome = await this.#jobs.run('circuit.discover', { datasetId, method, ...options, ...saveTo }, `${DISCOVERY_LABELS[method]} on ${datasetName}`);
      const saved = outcome.saved;
      this.lastRun = `${DISCOVERY_LABELS[method]} run ${outcome.run.id}: ${outcome.graph.edges.length} edges, ${outcome.graph.nodes.length} nodes${saved ? ` → ${saved.circuit.name} v${saved.version}` : ''}`;
      this.onSaved?.();
      if (saved && saved.circuit.id === this.circuitId) {
        await this.load();
        this.scoredBy = method;
      }
      else if (saved) this.onOpenCircuit?.(saved.circuit.id, saved.circuit.name);
    } catch (error) {
      this.#failed(error);
    }
  }

  async evaluate(datasetId: number, datasetName: string): Promise<void> {
    try {
      await this.flush();
      const of = { version: this.version, revision: this.revision };
      this.evaluation = await this.#jobs.run('circuit.evaluate', { circuitId: this.circuitId, datasetId, version: of.version }, `Evaluate ${this.name} on ${datasetName}`);
      this.evaluationOf = of;
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  #changed(message: string): void {
    this.revision = this.doc?.revision ?? this.revision + 1;
    this.#pendingMessage = message;
    if (this.saveStatus === 'conflict') return; // nothing saves until the user picks a way out
    this.saveStatus = 'unsaved';
    clearTimeout(this.#saveTimer);
    this.#saveTimer = setTimeout(() => void this.flush(), AUTOSAVE_DELAY_MS);
  }

  #failed(error: unknown): void {
    if (error instanceof ApiError && error.code === 'conflict') {
      this.saveStatus = 'conflict';
      const head = /version (\d+)/.exec(error.message);
      this.conflict = { message: error.message, headVersion: head ? Number(head[1]) : null };
      this.onSaved?.(); // the sidebar shows the other window's head version
    } else this.error = plainMessage(error);
  }

  async #save(): Promise<void> {
    const doc = this.doc;
    if (!doc || doc.revision === this.#savedRevision || this.saveStatus === 'conflict') return;
    const revision = doc.revision;
    this.saveStatus = 'saving';
    try {
      // The version this edit started from: a save from an older one is refused, never overwrites.
      const base = this.version;
      const { version } = await this.#client.call('circuit.save', { circuitId: this.circuitId, graph: doc.toJSON() as unknown as Record<string, unknown>, message: this.#pendingMessage, baseVersion: base });
      this.version = version;
      this.shownVersion = version;
      this.versions = [...this.versions, { version, parentVersion: base, message: this.#pendingMessage, createdAt: new Date().toISOString() }];
      this.#savedRevision = revision;
      this.saveStatus = doc.revision === revision ? 'saved' : 'unsaved';
      this.onSaved?.();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'conflict') {
        this.#failed(error);
        return;
      }
      this.saveStatus = 'failed';
      this.error = `Could not save: ${plainMessage(error)}`;
    }
  }
}
