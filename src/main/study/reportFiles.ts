/**
 * The file a study-report address (shared/studyReport) names: only runs of kind study.run that are
 * done, only the file names a study writes, and never a file whose real path (symlinks resolved)
 * leaves the study's folder. Serve mode sends the file (server/studyFiles.ts); the desktop hands
 * it to the system's viewer (shell/studyReportOpener.ts).
 */
import { realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { ApiRouter } from '../api/router';
import { parseStudyReportPath } from '../../shared/studyReport';
import { STUDY_JOB_KIND } from './plan';

/** The absolute file a study-report address names, or a refusal (status and words). */
export async function studyFilePath(router: ApiRouter, pathname: string): Promise<{ file: string } | { status: number; reason: string }> {
  const parsed = parseStudyReportPath(pathname);
  if (!parsed) return { status: 404, reason: 'Not a file a study writes' };
  let outDir: unknown;
  try {
    const { run } = await router.invoke('run.get', { runId: parsed.runId });
    if (run.kind !== STUDY_JOB_KIND) return { status: 404, reason: `Run ${parsed.runId} is not a study` };
    if (run.status !== 'done') return { status: 404, reason: `Study run ${parsed.runId} is ${run.status}, not done` };
    outDir = run.options.outDir;
  } catch {
    return { status: 404, reason: `No study run ${parsed.runId} in the open project` };
  }
  if (typeof outDir !== 'string') return { status: 404, reason: `Study run ${parsed.runId} names no folder` };
  try {
    const root = await realpath(resolve(outDir));
    const file = await realpath(resolve(root, parsed.file));
    if (!file.startsWith(root + sep) || !(await stat(file)).isFile()) return { status: 404, reason: 'Not found in the study folder' };
    return { file };
  } catch {
    return { status: 404, reason: 'Not found in the study folder' };
  }
}

