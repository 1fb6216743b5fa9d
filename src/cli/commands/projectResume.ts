/**
 * circuit-workbench project resume FILE RUN: continue an interrupted or cancelled run from its last
 * checkpoint (a run that keeps none starts again with the same parameters), in a worker thread on
 * the project's job runner, then do what the workbench does when such a run ends (save an edit,
 * save a discovered circuit the run asked to save).
 */
import path from 'node:path';
import { ProjectStore, RESUMABLE_STATUSES } from '../../main/store/index';
import { workbenchJobRegistry } from '../../main/jobs/handlers';
import { OpenProject } from '../../main/api/project/openProject';
import { finishRun } from '../../main/api/handlers/runFinishers';
import { plainJobError } from '../../main/api/project/views';
import { CliError, type Command } from '../command';

export const projectResumeCommand: Command = {
  name: 'project resume',
  summary: 'resume an interrupted or cancelled run from its last checkpoint',
  usage: 'project resume FILE RUN',
  options: {},
  async run(_values, positionals) {
    const [fileArg, runArg] = positionals;
    if (!fileArg) throw new CliError('give the project file and the run, e.g. project resume my-study.cwb 12');
    const runId = Number(runArg);
    if (!runArg || !Number.isSafeInteger(runId) || runId < 1) throw new CliError(`RUN must be a run id (a positive integer), got ${JSON.stringify(runArg ?? '')}`);
    const file = path.resolve(fileArg);
    const project = new OpenProject(ProjectStore.open(file, { create: false }), workbenchJobRegistry(), null);
    try {
      const before = (() => {
        try {
          return project.store.runs.get(runId);
        } catch {
          throw new CliError(`${file}: there is no run ${runId}`);
        }
      })();
      if (!RESUMABLE_STATUSES.includes(before.status)) throw new CliError(`${file}: run ${runId} is ${before.status}; only an interrupted or cancelled run can be resumed`);
      let lastPercent = -1;
      project.runner.onEvent((e) => {
        if (e.type !== 'progress' || e.runId !== runId) return;
        const percent = Math.floor(e.fraction * 100);
        if (percent === lastPercent) return;
        lastPercent = percent;
        process.stderr.write(`\r${percent}% ${e.message ?? ''}`.slice(0, 120).padEnd(60));
      });
      const record = await project.runner.resume(runId).done;
      process.stderr.write('\n');
      if (record.status !== 'done') throw new CliError(`run ${runId} ended as ${record.status}${record.error ? `: ${plainJobError(record.error)}` : ''}`);
      finishRun(project, record);
      const from = before.hasCheckpoint ? 'from its last checkpoint' : 'from the start (it keeps no checkpoint)';
      return { data: { run: project.store.runs.get(runId), resumedFromCheckpoint: before.hasCheckpoint }, text: `resumed run ${runId} (${record.kind}) ${from}: done` };
    } finally {
      await project.close();
    }
  },
};
