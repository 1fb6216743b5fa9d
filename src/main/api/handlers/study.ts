/**
 * study.run: the research outline as a job on the project's runner (kind study.run), on the
 * loaded model or the given folders. When it is done, each section is recorded as its own run,
 * so the project holds the study with all its runs. (The renderer's "New study" button calls this.)
 */
import path from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { checkModelDirs, labelModels, makePlan, STUDY_JOB_KIND, StudyPlanError } from '../../study/plan';
import { sectionRunsOf } from '../../study/project';
import { finishRun } from './runFinishers';
import { runJobToEnd } from '../jobs';
import { runEntry } from '../project/views';
import type { Handler } from './context';
import { requireModelDir, requireProject } from './require';

export const studyRun: Handler<'study.run'> = async (params, { services, signal, progress }) => {
  const project = requireProject(services);
  const dirs = params.modelDirs ?? [requireModelDir(services)];
  let plan;
  try {
    plan = makePlan({ task: params.task, models: labelModels(dirs), params: { ...params.params, n: params.n, seed: params.seed, corruption: params.corruption } }, 'study');
    checkModelDirs(plan);
  } catch (err) {
    if (err instanceof StudyPlanError) throw new ApiError('invalid_request', err.message);
    throw err;
  }
  const outDir = path.resolve(params.outDir);
  const record = await runJobToEnd(project, STUDY_JOB_KIND, { plan, outDir }, { signal, progress, backend: services.backend()?.name, modelHash: params.modelDirs ? undefined : (project.loadedModelHash ?? undefined) });
  finishRun(project, record); // records the section runs
  const sectionRunIds = sectionRunsOf(project.store, record.id).map((r) => r.id);
  return { run: runEntry(record), sectionRunIds, outDir, report: path.join(outDir, 'report.html'), studyJson: path.join(outDir, 'study.json') };
};
