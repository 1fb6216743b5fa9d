/** The renderer's root state: the API client and the state of each part of the window. */
import type { ApiClient } from '../../../shared/api/client';
import type { AppEvent } from '../../../shared/api/protocol';
import type { ProjectSummary } from '../../../shared/api/types';
import { JobsState } from './jobs.svelte';
import { PredictState } from './predict.svelte';
import { StatusState } from './status.svelte';
import { TabsState } from './tabs.svelte';

export class Workbench {
  readonly client: ApiClient;
  readonly status: StatusState;
  readonly jobs: JobsState;
  readonly tabs = new TabsState();
  readonly predict: PredictState;
  project = $state<ProjectSummary | null>(null);
  notice = $state<string | null>(null);

  constructor(client: ApiClient) {
    this.client = client;
    this.status = new StatusState(client);
    this.jobs = new JobsState(client);
    this.predict = new PredictState(client);
    this.tabs.open('predict');
    client.onEvent((event) => this.#onEvent(event));
  }

  start(): void {
    this.status.start();
  }

  /** A test job that exercises progress and cancel end to end. */
  runTestJob(seconds: number): void {
    this.jobs.run('sleep', { ms: seconds * 1000, steps: seconds * 10 }, `Test job (${seconds} s)`).catch(() => undefined);
  }

  #onEvent(event: AppEvent): void {
    if (event.kind === 'project.changed') this.project = event.project;
    else if (event.kind === 'notice') this.notice = event.message;
  }
}
