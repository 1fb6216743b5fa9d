/**
 * What the API handlers need from the rest of main. The real engine, store and job services are
 * adapted to these interfaces where they are wired in (see createServices / engineAdapter), so
 * handlers never depend on how a service is built.
 */
import type { BackendStatus, MemoryStatus, ModelConfigView, Prediction, ProjectSummary } from '../../shared/api/types';
import type { DatasetProblem } from '../../shared/api/projectTypes';
import type { JobEventView } from '../../shared/api/protocol';
import type { TaskItem } from '../datasets';
import type { OpenProject } from './project/openProject';

export interface ModelService {
  /** Display name, e.g. the model folder's name. */
  readonly name: string;
  readonly config: ModelConfigView;
  readonly parameterCount: number;
  /** The backend the model runs on, e.g. 'wasm'. */
  readonly backendName: string;
  /** Top-k next-token predictions at the last position, most probable first. */
  predict(prompt: string, topK: number, signal: AbortSignal): Promise<Prediction[]>;
  /** The model folder jobs load in their worker threads (absent for models that live only in memory). */
  readonly dir?: string;
  /** Problems of task items against this model's tokenizer (1-based rows from `firstRow`). */
  checkItems?(items: readonly TaskItem[], firstRow: number): DatasetProblem[];
}

export interface ProjectService {
  create(path: string): Promise<ProjectSummary>;
  open(path: string): Promise<ProjectSummary>;
  saveAs(path: string): Promise<ProjectSummary>;
  recent(): Promise<ProjectSummary[]>;
  exportJson(path: string, report: (done: number, total: number) => void, signal: AbortSignal): Promise<{ path: string; bytes: number }>;
  /** The open project (store and job runner), or null when none is open. */
  current(): OpenProject | null;
  /** Status and progress of every run of the open project, for every connection to see. */
  onJobEvent?(listener: (event: JobEventView) => void): () => void;
}

/** Where a model to add comes from: a folder, or a Hugging Face id (downloaded only with consent). */
export type ModelSource = { path: string } | { id: string; download: boolean };

export interface ModelSelection {
  /** Load project model `modelId` (of the open project) in place of the loaded one. */
  select(modelId: number, report: (fraction: number, message: string) => void, signal: AbortSignal): Promise<void>;
  /** Register a model in the open project (once per content hash), load it, and return its id. */
  add(source: ModelSource, report: (fraction: number, message: string) => void, signal: AbortSignal): Promise<number>;
}

export interface Services {
  readonly appName: string;
  readonly appVersion: string;
  /** The live compute backend, or null before one has started. */
  backend(): BackendStatus | null;
  memory(): MemoryStatus;
  /** The loaded model, or null. */
  model(): ModelService | null;
  /** The project store, or null until it is wired in. */
  projects(): ProjectService | null;
  /** Switching the loaded model, or null where models are fixed. */
  modelSelection(): ModelSelection | null;
}
