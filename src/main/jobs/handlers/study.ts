/**
 * The study job (kind study.run): run the research outline on the plan's models, write the
 * study folder (report, figures, tables, study.json) and return the study document as the run's
 * result. Progress is one step per section per model; cancel stops between and inside sections.
 */
import type { Json } from '../../store';
import { makePlan, type StudyPlan } from '../../study/plan';
import { runStudy } from '../../study/run';
import { writeStudy } from '../../study/write';
import type { JobContext, JobOutput } from '../types';

export interface StudyJobParams {
  plan: StudyPlan;
  /** Folder the report, figures, tables and study.json are written to. */
  outDir: string;
}

export async function studyJob(params: StudyJobParams, ctx: JobContext): Promise<JobOutput> {
  const plan = makePlan({ task: params.plan?.task, models: params.plan?.models, params: params.plan?.params as unknown as Record<string, unknown> }, 'study job params');
  const doc = await runStudy(plan, { signal: ctx.signal, onProgress: (done, total, message) => ctx.progress(0.95 * (done / total), message) });
  ctx.throwIfCancelled();
  ctx.progress(0.95, 'Writing the report');
  const written = await writeStudy(params.outDir, doc);
  ctx.progress(1, 'Done');
  return { name: 'study', summary: JSON.parse(JSON.stringify({ ...doc, written: { dir: written.dir, report: written.report, studyJson: written.studyJson } })) as Json };
}
