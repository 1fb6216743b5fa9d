/** The open project's contents for the sidebar and pickers, refreshed after anything that changes them. */
import type { ApiClient } from '../../../shared/api/client';
import { plainMessage } from '../../../shared/api/errors';
import type { ProjectOverview } from '../../../shared/api/projectTypes';

export class ProjectState {
  overview = $state.raw<ProjectOverview | null>(null);
  error = $state<string | null>(null);
  readonly #client: ApiClient;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  async refresh(): Promise<void> {
    try {
      this.overview = await this.#client.call('project.current', {});
      this.error = null;
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  datasetName(id: number | null): string | null {
    return this.overview?.datasets.find((d) => d.id === id)?.name ?? null;
  }
}
