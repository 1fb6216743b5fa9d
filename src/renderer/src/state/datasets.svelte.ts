/** Dataset views: browsing a saved dataset page by page, and making new ones (generate / import). */
import type { ApiClient } from '../../../shared/api/client';
import { plainMessage } from '../../../shared/api/errors';
import type { DatasetEntry, DatasetItemsPage, DatasetProblem, TaskInfo } from '../../../shared/api/projectTypes';

export const PAGE_SIZE = 25;

export class DatasetBrowser {
  page = $state.raw<DatasetItemsPage | null>(null);
  error = $state<string | null>(null);
  offset = $state(0);
  readonly #client: ApiClient;

  constructor(
    client: ApiClient,
    readonly datasetId: number,
  ) {
    this.#client = client;
  }

  async load(offset = this.offset): Promise<void> {
    try {
      this.page = await this.#client.call('dataset.items', { datasetId: this.datasetId, offset, limit: PAGE_SIZE });
      this.offset = offset;
      this.error = null;
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  get hasPrevious(): boolean {
    return this.offset > 0;
  }

  get hasNext(): boolean {
    return this.page !== null && this.offset + PAGE_SIZE < this.page.total;
  }
}

export type Split = 'train' | 'heldout' | 'all';
export type Task = 'ioi' | 'comparison' | 'latest';
export type Corruption = 'abc' | 'abc-s2' | 'swap' | 'flip' | 'premise';

export class NewDatasetForm {
  tasks = $state.raw<TaskInfo[]>([]);
  name = $state('');
  task = $state<Task>('ioi');
  n = $state(8);
  seed = $state(0);
  split = $state<Split>('all');
  corruption = $state<string>('');
  importName = $state('');
  importFormat = $state<'jsonl' | 'csv'>('jsonl');
  importText = $state('');
  importFile = $state<string | null>(null);
  problems = $state.raw<DatasetProblem[]>([]);
  error = $state<string | null>(null);
  busy = $state(false);
  readonly #client: ApiClient;

  corruptions = $derived(this.tasks.find((t) => t.task === this.task)?.corruptions ?? []);
  templates = $derived(this.tasks.find((t) => t.task === this.task)?.templates ?? []);

  constructor(client: ApiClient) {
    this.#client = client;
  }

  async loadTasks(): Promise<void> {
    try {
      this.tasks = (await this.#client.call('dataset.tasks', {})).tasks;
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  /** Generate and save; resolves with the new dataset, or null (the error is shown). */
  async generate(): Promise<DatasetEntry | null> {
    return this.#busy(() =>
      this.#client.call('dataset.generate', {
        name: this.name.trim() || `${this.task}-${this.n}-seed${this.seed}`,
        task: this.task,
        n: this.n,
        seed: this.seed,
        split: this.split,
        ...(this.corruption ? { corruption: this.corruption as Corruption } : {}),
      }),
    );
  }

  /** Read a chosen file's text (JSONL or CSV by its extension). */
  async readFile(file: File): Promise<void> {
    this.importText = await file.text();
    this.importFile = file.name;
    this.importFormat = /\.csv$/i.test(file.name) ? 'csv' : 'jsonl';
    if (!this.importName.trim()) this.importName = file.name.replace(/\.(jsonl|csv|json)$/i, '');
  }

  async importDataset(): Promise<DatasetEntry | null> {
    this.problems = [];
    const result = await this.#busy(() =>
      this.#client.call('dataset.import', { name: this.importName.trim() || 'imported', format: this.importFormat, text: this.importText }),
    );
    if (!result) return null;
    this.problems = result.problems;
    return result.dataset;
  }

  async #busy<T>(run: () => Promise<T>): Promise<T | null> {
    this.busy = true;
    this.error = null;
    try {
      return await run();
    } catch (error) {
      this.error = plainMessage(error);
      return null;
    } finally {
      this.busy = false;
    }
  }
}
