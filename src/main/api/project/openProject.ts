/**
 * One open project: its store and the job runner that writes runs into it. Closing waits for
 * running jobs to stop (they are cancelled) before the store closes.
 */
import { JobRunner, type JobRegistry } from '../../jobs';
import type { ProjectStore } from '../../store';
import type { ProjectOverview } from '../../../shared/api/projectTypes';
import type { ProjectSummary } from '../../../shared/api/types';
import { circuitEntry, datasetEntry, editEntry, modelEntry, runEntry } from './views';

export class OpenProject {
  readonly runner: JobRunner;

  constructor(
    readonly store: ProjectStore,
    registry: JobRegistry,
    /** Content hash of the model the workbench has loaded (marks it in the overview; model.select changes it). */
    public loadedModelHash: string | null,
  ) {
    this.runner = new JobRunner({ store, registry });
  }

  get path(): string {
    return this.store.file;
  }

  summary(): ProjectSummary {
    return { path: this.store.file, name: this.store.info().name };
  }

  overview(): ProjectOverview {
    const { store } = this;
    return {
      ...this.summary(),
      models: store.models.list().map((m) => modelEntry(m, this.loadedModelHash)),
      datasets: store.datasets.list().map(datasetEntry),
      circuits: store.circuits.list().map(circuitEntry),
      runs: store.runs.list({ limit: 200 }).map(runEntry),
      edits: store.edits.list().map(editEntry),
    };
  }

  /** The project's record of the loaded model, if it has one. */
  loadedModelId(): number | null {
    if (!this.loadedModelHash) return null;
    return this.store.models.findByHash(this.loadedModelHash)[0]?.id ?? null;
  }

  async close(): Promise<void> {
    await this.runner.shutdown();
    this.store.close();
  }
}
