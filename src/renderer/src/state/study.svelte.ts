/**
 * The New study form: the task (from the task registry the API serves), the models, n, seed, the
 * other numeric parameters (shared/studyParams.ts) and the output folder; Start runs study.run as a job (progress and Cancel in the jobs panel and
 * here); a finished study leaves its outcome (report path, study run, section runs).
 */
import type { ApiClient } from '../../../shared/api/client';
import { isCancelled, plainMessage } from '../../../shared/api/errors';
import type { ModelEntry, TaskInfo } from '../../../shared/api/projectTypes';
import type { StudyOutcome } from '../../../shared/api/studyTypes';
import { defaultStudyFolder, moreStudyDefaults, studyDefault, studyModelChoices, studyParams, type StudyModelChoice } from '../lib/study';
import type { JobsState } from './jobs.svelte';

export class NewStudyForm {
  tasks = $state.raw<TaskInfo[]>([]);
  task = $state('');
  n = $state<number>(studyDefault('n'));
  seed = $state<number>(studyDefault('seed'));
  /** One of the task's corruptions; empty: the task's default (the first it lists). */
  corruption = $state('');
  corruptions = $derived(this.tasks.find((t) => t.task === this.task)?.corruptions ?? []);
  /** The other numeric parameters (More parameters), by key, starting at the study's defaults. */
  more = $state<Record<string, number>>(moreStudyDefaults());
  /** Empty: the proposed folder (it follows the task); typed: the user's. */
  outDirTyped = $state('');
  /** Model ids ticked; null: the loaded model (the default) until the user ticks. */
  chosenIds = $state<number[] | null>(null);
  /** When the proposed folder was stamped (a new one after each study). */
  stampedAt = $state(new Date());
  /** The job of the study started here (its progress and Cancel), while and after it runs. */
  jobId = $state<string | null>(null);
  outcome = $state.raw<StudyOutcome | null>(null);
  error = $state<string | null>(null);
  readonly #client: ApiClient;
  readonly #jobs: JobsState;

  job = $derived(this.jobId === null ? null : (this.#jobsOf().find((j) => j.id === this.jobId) ?? null));
  running = $derived(this.job?.state === 'running');

  constructor(client: ApiClient, jobs: JobsState) {
    this.#client = client;
    this.#jobs = jobs;
  }

  #jobsOf(): JobsState['jobs'] {
    return this.#jobs.jobs;
  }

  async loadTasks(): Promise<void> {
    try {
      this.tasks = (await this.#client.call('dataset.tasks', {})).tasks;
      if (!this.task && this.tasks.length > 0) this.task = this.tasks[0].task;
    } catch (error) {
      this.error = plainMessage(error);
    }
  }

  choices(models: readonly ModelEntry[]): StudyModelChoice[] {
    return studyModelChoices(models);
  }

  chosen(models: readonly ModelEntry[]): StudyModelChoice[] {
    const all = studyModelChoices(models);
    return this.chosenIds === null ? all.filter((m) => m.loaded) : all.filter((m) => this.chosenIds!.includes(m.id));
  }

  toggle(models: readonly ModelEntry[], id: number, on: boolean): void {
    const now = this.chosen(models).map((m) => m.id);
    this.chosenIds = on ? [...new Set([...now, id])] : now.filter((x) => x !== id);
  }

  outDir(projectPath: string | undefined): string {
    if (this.outDirTyped.trim()) return this.outDirTyped;
    return projectPath && this.task ? defaultStudyFolder(projectPath, this.task, this.stampedAt) : '';
  }

  /** Start the study; resolves with its outcome, or null (cancelled, or the error is shown). */
  async start(projectPath: string | undefined, models: readonly ModelEntry[]): Promise<StudyOutcome | null> {
    const params = studyParams({ task: this.task, outDir: this.outDir(projectPath), n: this.n, seed: this.seed, corruption: this.corruption, more: this.more, chosen: this.chosen(models) });
    if ('problem' in params) {
      this.error = params.problem;
      return null;
    }
    this.error = null;
    this.outcome = null;
    const label = `Study: ${params.task}, ${params.modelDirs?.length ?? 1} model(s), n = ${params.n}`;
    const call = this.#jobs.run('study.run', params, label);
    // JobsState.run adds its job before its first await: the newest job is this one.
    this.jobId = this.#jobs.jobs[0]?.id ?? null;
    try {
      this.outcome = await call;
      this.outDirTyped = '';
      this.stampedAt = new Date();
      return this.outcome;
    } catch (error) {
      if (!isCancelled(error)) this.error = plainMessage(error);
      return null;
    }
  }

  cancel(): void {
    if (this.jobId !== null) this.#jobs.cancel(this.jobId);
  }
}
