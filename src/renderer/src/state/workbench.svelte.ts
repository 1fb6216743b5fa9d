/** The renderer's root state: the API client and the state of each part of the window. */
import type { ApiClient } from '../../../shared/api/client';
import { ApiError, isCancelled, plainMessage } from '../../../shared/api/errors';
import type { AppEvent } from '../../../shared/api/protocol';
import type { ModelInfo, ProjectSummary } from '../../../shared/api/types';
import type { ModelShape } from '../circuit/modelGraph';
import { emptyGraph } from '../circuit/graph';
import { AnalysisLauncher } from './analysis.svelte';
import { CircuitEditor } from './circuitEditor.svelte';
import { DatasetBrowser, NewDatasetForm } from './datasets.svelte';
import { ModelEditing } from './editing.svelte';
import { InspectorData } from './inspector.svelte';
import { JobsState } from './jobs.svelte';
import { PredictState } from './predict.svelte';
import { ProjectState } from './project.svelte';
import { RunView } from './runView.svelte';
import { StatusState } from './status.svelte';
import { NewStudyForm } from './study.svelte';
import { TabsState } from './tabs.svelte';

/**
 * Build a view kept across tab switches outside the template effect that first asks for it: its
 * $derived fields then belong to a root that lives as long as the window, not to the tab's effect
 * (reading them after that effect is gone would give stale values: Svelte's derived_inert).
 */
function outliving<T>(make: () => T): T {
  let made: T | undefined;
  $effect.root(() => {
    made = make();
  });
  return made as T;
}

export class Workbench {
  readonly client: ApiClient;
  readonly status: StatusState;
  readonly jobs: JobsState;
  readonly tabs = new TabsState();
  readonly predict: PredictState;
  readonly projectState: ProjectState;
  readonly launcher: AnalysisLauncher;
  readonly newDataset: NewDatasetForm;
  readonly newStudy: NewStudyForm;
  readonly inspector: InspectorData;
  readonly editing: ModelEditing;
  model = $state.raw<ModelInfo | null>(null);
  notice = $state<string | null>(null);
  error = $state<string | null>(null);
  /** Views kept while their tab is closed or hidden (an editor keeps its undo history). */
  readonly #editors = new Map<number, CircuitEditor>();
  readonly #runs = new Map<number, RunView>();
  readonly #datasets = new Map<number, DatasetBrowser>();

  get project(): ProjectSummary | null {
    const overview = this.projectState.overview;
    return overview ? { path: overview.path, name: overview.name } : null;
  }

  get shape(): ModelShape | null {
    const c = this.model?.config;
    return c ? { nLayer: c.nLayer, nHead: c.nHead, attnOnly: c.attnOnly } : null;
  }

  constructor(client: ApiClient) {
    this.client = client;
    this.status = new StatusState(client);
    this.jobs = new JobsState(client);
    this.predict = new PredictState(client);
    this.projectState = new ProjectState(client);
    this.launcher = new AnalysisLauncher(this.jobs);
    this.newDataset = new NewDatasetForm(client);
    this.newStudy = new NewStudyForm(client, this.jobs);
    this.inspector = new InspectorData(client);
    this.editing = new ModelEditing(this.jobs);
    this.jobs.onSettled = () => void this.refreshProject();
    this.tabs.open('predict');
    client.onEvent((event) => this.#onEvent(event));
  }

  start(): void {
    this.status.start();
    void this.refreshProject();
    void this.jobs.attach();
    // Jobs run in the back end: a page reconnecting re-attaches to them and refreshes what changed.
    (this.client as { onReconnect?: (listener: () => void) => void }).onReconnect?.(() => {
      void this.jobs.attach();
      void this.refreshProject();
    });
    void this.client.call('model.info', {}).then(
      (info) => (this.model = info),
      () => undefined,
    );
  }

  async refreshProject(): Promise<void> {
    await this.projectState.refresh();
    const overview = this.projectState.overview;
    if (overview && this.launcher.datasetId === null && overview.datasets.length > 0) this.launcher.datasetId = overview.datasets[0].id;
    if (overview) void this.inspector.refresh(overview.runs);
  }

  /** A test job that exercises progress and cancel end to end. */
  runTestJob(seconds: number): void {
    this.jobs.run('sleep', { ms: seconds * 1000, steps: seconds * 10 }, `Test job (${seconds} s)`).catch(() => undefined);
  }

  datasetBrowser(id: number): DatasetBrowser {
    let view = this.#datasets.get(id);
    if (!view) this.#datasets.set(id, (view = outliving(() => new DatasetBrowser(this.client, id))));
    return view;
  }

  runView(id: number): RunView {
    let view = this.#runs.get(id);
    if (!view) this.#runs.set(id, (view = outliving(() => new RunView(this.client, this.jobs, id))));
    return view;
  }

  circuitEditor(id: number): CircuitEditor | null {
    if (!this.shape) return null;
    let editor = this.#editors.get(id);
    if (!editor) {
      const shape = this.shape;
      editor = outliving(() => new CircuitEditor(this.client, this.jobs, id, shape));
      editor.onSaved = () => void this.projectState.refresh();
      editor.onOpenCircuit = (circuitId, name) => void this.refreshProject().then(() => this.openCircuit(circuitId, name));
      this.#editors.set(id, editor);
    }
    return editor;
  }

  /** Load a project model (edited or not): every later prediction, analysis and job runs on it. */
  async selectModel(id: number, name: string): Promise<void> {
    try {
      await this.jobs.run('model.select', { modelId: id }, `Load ${name}`);
      this.model = await this.client.call('model.info', {});
      await this.refreshProject();
    } catch (error) {
      if (!isCancelled(error)) this.error = plainMessage(error);
    }
  }

  /**
   * Add a model by Hugging Face id (from the HF cache) or by folder path, and load it. A model
   * missing from the cache is downloaded only when `confirmDownload` says yes.
   */
  async addModel(text: string, confirmDownload: (message: string) => boolean): Promise<void> {
    const source = text.trim();
    // Absolute or home-relative folders; anything else is a hub id such as gpt2 or org/name@rev.
    const isPath = /^([/~.\\]|[A-Za-z]:)/.test(source);
    try {
      try {
        await this.jobs.run('model.add', isPath ? { path: source } : { id: source }, `Add ${source}`);
      } catch (error) {
        if (isPath || !(error instanceof ApiError) || error.code !== 'not_found') throw error;
        if (!confirmDownload(`${error.message}\n\nDownload ${source} from the Hugging Face Hub now?`)) return;
        await this.jobs.run('model.add', { id: source, download: true }, `Download ${source}`);
      }
      this.model = await this.client.call('model.info', {});
      await this.refreshProject();
    } catch (error) {
      if (!isCancelled(error)) this.error = plainMessage(error);
    }
  }

  openEditing(): void {
    this.editing.seedComparison(this.projectState.overview?.models.find((m) => m.loaded)?.id);
    this.tabs.open('edit');
  }

  openDataset(id: number, name: string): void {
    this.launcher.datasetId = id;
    this.tabs.open('dataset', id, `Dataset: ${name}`);
  }

  openRun(id: number, title: string): void {
    this.tabs.open('run', id, title);
  }

  openCircuit(id: number, name: string): void {
    this.tabs.open('circuit', id, `Circuit: ${name}`);
  }

  async newCircuit(name: string): Promise<void> {
    try {
      const created = await this.client.call('circuit.create', { name, graph: emptyGraph() as unknown as Record<string, unknown> });
      await this.refreshProject();
      this.openCircuit(created.id, created.name);
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  #onEvent(event: AppEvent): void {
    if (event.kind === 'project.changed') void this.refreshProject();
    // A run started elsewhere (another tab or window): its dataset or circuit may be new here too.
    else if (event.kind === 'job' && event.job.status === 'queued') void this.refreshProject();
    else if (event.kind === 'notice') this.notice = event.message;
  }
}
