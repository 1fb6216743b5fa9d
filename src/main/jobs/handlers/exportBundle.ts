/**
 * project.export as a job: the JSON bundle is read and serialised in a worker thread on its own
 * read connection to the project file (WAL lets it read while main writes), so a large project
 * never stalls the main process.
 */
import type Database from 'better-sqlite3';
import { CircuitRepo, DatasetRepo, EditRepo, ModelRepo, openWorkerConnection, ResultRepo, RunRepo, type ProjectInfo } from '../../store';
import { exportProjectBundle, type BundleSource } from '../../api/project/exportBundle';
import type { JobContext, JobOutput } from '../types';

export const EXPORT_JOB_KIND = 'project-export';

export interface ExportJobParams {
  /** The project file (read on the worker's own connection). */
  dbPath: string;
  dest: string;
  project: ProjectInfo;
}

const BUSY_TIMEOUT_MS = 5000;

function sourceOn(db: Database.Database, project: ProjectInfo): BundleSource {
  return { info: () => project, models: new ModelRepo(db), datasets: new DatasetRepo(db), circuits: new CircuitRepo(db), runs: new RunRepo(db), results: new ResultRepo(db), edits: new EditRepo(db) };
}

export async function exportBundleJob(params: ExportJobParams, ctx: JobContext): Promise<JobOutput> {
  const db = openWorkerConnection(params.dbPath, BUSY_TIMEOUT_MS);
  try {
    const written = await exportProjectBundle(sourceOn(db, params.project), params.dest, (done, total) => ctx.progress(done / total, `Exporting (${done} of ${total})`), ctx.signal);
    return { name: 'export', summary: { kind: EXPORT_JOB_KIND, path: written.path, bytes: written.bytes } };
  } finally {
    db.close();
  }
}
