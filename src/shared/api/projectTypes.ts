/** What the renderer sees of a project's contents: plain JSON views of the store's records. */

export interface ModelEntry {
  id: number;
  name: string;
  path: string | null;
  contentHash: string;
  /** True for the model the workbench has loaded now. */
  loaded: boolean;
}

export interface DatasetEntry {
  id: number;
  name: string;
  task: string;
  itemCount: number;
  contentHash: string;
  createdAt: string;
}

export interface CircuitEntry {
  id: number;
  name: string;
  headVersion: number;
  updatedAt: string;
}

export type RunStatusView = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface RunEntry {
  id: number;
  kind: string;
  status: RunStatusView;
  /** 0..1 */
  progress: number;
  progressMessage: string | null;
  /** The run's options without the copied dataset items and the model path. */
  options: Record<string, unknown>;
  datasetName: string | null;
  createdAt: string;
  endedAt: string | null;
  /** Why it failed, in plain words (first line of the error). */
  error: string | null;
  /** Interrupted or cancelled: run.resume continues it (from its checkpoint when it has one). */
  resumable: boolean;
  hasCheckpoint: boolean;
}

export interface EditEntry {
  id: number;
  name: string;
  modelId: number;
  createdAt: string;
}

export interface ProjectOverview {
  path: string;
  name: string;
  models: ModelEntry[];
  datasets: DatasetEntry[];
  circuits: CircuitEntry[];
  /** Newest first. */
  runs: RunEntry[];
  edits: EditEntry[];
}

/** A dataset item as the UI shows it. */
export interface TaskItemView {
  clean: string;
  corrupted: string;
  correct: string;
  incorrect: string;
  template: string;
  task: string;
  /**
   * The template's named positions in the clean prompt (IOI: IO, S1, S2; PLACE, OBJECT, ...), by
   * word (index among the prompt's words); absent when the item does not follow a known template.
   */
  slots?: { name: string; word: string; wordIndex: number }[];
}

export interface DatasetItemsPage {
  dataset: DatasetEntry;
  offset: number;
  total: number;
  items: TaskItemView[];
}

/** One problem of an imported file, tied to its row (1-based as the file numbers it) and field. */
export interface DatasetProblem {
  row: number | null;
  field: string | null;
  message: string;
}

export interface DatasetImportResult {
  /** The saved dataset, or null when the file had problems (nothing was saved). */
  dataset: DatasetEntry | null;
  problems: DatasetProblem[];
}

export interface TaskInfo {
  task: string;
  templates: string[];
  corruptions: string[];
  defaultCorruption: string;
}

/** What a run was computed on, and whether that has changed since. */
export interface RunProvenance {
  model: { hash: string; name: string | null; loadedNow: boolean } | null;
  dataset: { id: number | null; name: string | null; hash: string; changed: boolean; removed: boolean } | null;
  circuit: { id: number; name: string | null; version: number; headVersion: number | null; removed: boolean } | null;
  backend: string | null;
  startedAt: string | null;
  endedAt: string | null;
  attempts: number;
}

export interface RunDetail {
  run: RunEntry;
  results: Array<{
    id: number;
    name: string;
    summary: unknown;
    tensors?: Array<{ name: string; shape: number[]; dtype: string }>;
    /** An edit's rank-1 deltas u vᵀ: Frobenius norm ‖u‖·‖v‖ per delta. */
    deltaNorms?: Array<{ param: string; norm: number }>;
  }>;
  provenance: RunProvenance;
}

export interface RunOutcome {
  run: RunEntry;
  /** The first result's summary (the analysis' result object). */
  result: unknown;
}
