/**
 * The project service: which project is open, switching projects (create / open / save as),
 * the recent list, and registering the loaded model in every project it opens. One project is
 * open at a time; switching opens the new one first, so a failure leaves the old one open.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { ProjectSummary } from '../../../shared/api/types';
import type { JobRegistry } from '../../jobs';
import { generate, TASK_NAMES } from '../../datasets';
import { ProjectStore, StoreError } from '../../store';
import type { ProjectService } from '../services';
import { EXPORT_JOB_KIND, type ExportJobParams } from '../../jobs/handlers/exportBundle';
import { followJob } from '../jobs';
import { JobEventRelay, type JobEventListener } from './jobEvents';
import { OpenProject } from './openProject';
import { RecentProjects } from './recentProjects';
import { toStoredItem } from './taskItems';

export interface LoadedModelRecord {
  name: string;
  dir: string;
  contentHash: string;
  /** Hugging Face config.json keys, as the CLI stores them too. */
  config: Record<string, unknown>;
}

export interface ProjectManagerOptions {
  /** The app's data folder: recent.json and, unless another file is given, default.cwb live here. */
  dataDir: string;
  registry: JobRegistry;
  appVersion: string;
  /** The model the workbench loaded; registered in every project opened. */
  model: LoadedModelRecord | null;
  /** A newly created default project starts with one held-out dataset per task (the apps set this). */
  seedDefaultProject?: boolean;
  /** The other bundled models (resources/), listed in a newly created default project beside the loaded one. */
  bundledModels?: readonly LoadedModelRecord[];
}

const projectName = (file: string): string => basename(file).replace(/\.cwb$/, '');

/** Store errors carry messages written for people; keep them, with the right API code. */
function asApiError(error: unknown): never {
  if (error instanceof ApiError) throw error;
  if (error instanceof StoreError) throw new ApiError(error.code === 'NOT_FOUND' ? 'not_found' : 'failed', error.message);
  throw error;
}

export class ProjectManager implements ProjectService {
  private open_: OpenProject | null = null;
  private readonly recentList: RecentProjects;
  private readonly jobEvents = new JobEventRelay();

  constructor(private readonly options: ProjectManagerOptions) {
    this.recentList = new RecentProjects(join(options.dataDir, 'recent.json'));
  }

  get defaultProjectPath(): string {
    return join(this.options.dataDir, 'default.cwb');
  }

  current(): OpenProject | null {
    return this.open_;
  }

  /** Status and progress of every run of the open project (whichever project that is). */
  onJobEvent(listener: JobEventListener): () => void {
    return this.jobEvents.listen(listener);
  }

  /** Open `file` (created when missing), or the default project. */
  async openOrCreate(file = this.defaultProjectPath): Promise<ProjectSummary> {
    // The data folder of a first start does not exist yet.
    mkdirSync(dirname(resolve(file)), { recursive: true });
    return this.switchTo(resolve(file), true);
  }

  async create(path: string): Promise<ProjectSummary> {
    if (existsSync(resolve(path))) throw new ApiError('failed', `${resolve(path)} already exists; open it, or choose another name for the new project`);
    return this.switchTo(resolve(path), true);
  }

  async open(path: string): Promise<ProjectSummary> {
    return this.switchTo(resolve(path), false);
  }

  async saveAs(path: string): Promise<ProjectSummary> {
    const current = this.requireOpen();
    const dest = resolve(path);
    try {
      current.store.exportTo(dest);
    } catch (error) {
      asApiError(error);
    }
    await this.switchTo(dest, false);
    // The copy is a project of its own: it takes its file's name.
    this.requireOpen().store.rename(projectName(dest));
    const summary = this.requireOpen().summary();
    this.recentList.add(summary);
    return summary;
  }

  async recent(): Promise<ProjectSummary[]> {
    return this.recentList.list().filter((p) => existsSync(p.path));
  }

  /** The JSON bundle, written by a worker job (a large project would stall the main process). */
  async exportJson(path: string, report: (done: number, total: number) => void, signal: AbortSignal): Promise<{ path: string; bytes: number }> {
    const project = this.requireOpen();
    const dest = resolve(path);
    if (existsSync(dest)) throw new ApiError('failed', `${dest} already exists; choose another file name for the export`);
    const params: ExportJobParams = { dbPath: project.store.file, dest, project: project.store.info() };
    const record = await followJob(project, EXPORT_JOB_KIND, project.runner.start(EXPORT_JOB_KIND, params), { signal, progress: (p) => report(p.done, p.total) });
    const summary = project.store.results.listForRun(record.id)[0]?.summary as { path: string; bytes: number };
    return { path: summary.path, bytes: summary.bytes };
  }

  /** The workbench loaded another model: register it in projects opened from now on, mark it in the open one. */
  useModel(model: LoadedModelRecord): void {
    this.options.model = model;
    if (this.open_) this.open_.loadedModelHash = model.contentHash;
  }

  async close(): Promise<void> {
    const current = this.open_;
    this.open_ = null;
    this.jobEvents.follow(null);
    await current?.close();
  }

  private requireOpen(): OpenProject {
    if (!this.open_) throw new ApiError('not_available', 'No project is open.');
    return this.open_;
  }

  private async switchTo(file: string, create: boolean): Promise<ProjectSummary> {
    if (this.open_ && this.open_.path === file) return this.open_.summary();
    let store: ProjectStore;
    try {
      store = ProjectStore.open(file, { create, appVersion: this.options.appVersion, name: projectName(file) });
    } catch (error) {
      asApiError(error);
    }
    const seeding = this.options.seedDefaultProject && store.report.created && file === resolve(this.defaultProjectPath);
    if (seeding) seedDefaultProject(store);
    const model = this.options.model;
    // The loaded model first, then (in a new default project) the other bundled ones.
    for (const m of [model, ...(seeding ? (this.options.bundledModels ?? []) : [])]) {
      if (m && store.models.findByHash(m.contentHash).length === 0) {
        store.models.add({ name: m.name, path: m.dir, contentHash: m.contentHash, config: m.config as never });
      }
    }
    const next = new OpenProject(store, this.options.registry, model?.contentHash ?? null);
    const previous = this.open_;
    this.open_ = next;
    this.jobEvents.follow(next);
    await previous?.close();
    const summary = next.summary();
    this.recentList.add(summary);
    return summary;
  }
}

/** Held-out prompts per task that a new default project starts with, so a first run has data to explore. */
export const DEFAULT_PROJECT_DATASET_SIZE = 32;

/** A first start's default project: one held-out dataset per task (seed 1), ready for every analysis. */
export function seedDefaultProject(store: ProjectStore): void {
  for (const task of TASK_NAMES) {
    const items = generate(task, { n: DEFAULT_PROJECT_DATASET_SIZE, seed: 1, split: 'heldout' });
    store.datasets.create({ name: `${task} (held-out, ${DEFAULT_PROJECT_DATASET_SIZE})`, task, items: items.map(toStoredItem) });
  }
}
