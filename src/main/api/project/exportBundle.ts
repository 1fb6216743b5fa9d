/**
 * The JSON bundle `project.export` writes: the whole project as one readable document (models'
 * records, datasets with their items, every circuit's head graph, runs with their result
 * summaries), for sharing and archiving. The .cwb file itself is the lossless form (Save As).
 */
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { CircuitRepo, DatasetRepo, EditRepo, ModelRepo, ProjectInfo, ResultRepo, RunRepo } from '../../store';

/** What a bundle reads: a ProjectStore, or the same repos on a worker's own connection. */
export interface BundleSource {
  info(): ProjectInfo;
  models: Pick<ModelRepo, 'list'>;
  datasets: Pick<DatasetRepo, 'list' | 'items'>;
  circuits: Pick<CircuitRepo, 'list' | 'version'>;
  runs: Pick<RunRepo, 'list'>;
  results: Pick<ResultRepo, 'listForRun'>;
  edits: Pick<EditRepo, 'list'>;
}

export const PROJECT_BUNDLE_FORMAT = 'circuit-workbench/project-bundle@1';

export async function exportProjectBundle(
  store: BundleSource,
  dest: string,
  report: (done: number, total: number) => void,
  signal: AbortSignal,
): Promise<{ path: string; bytes: number }> {
  const file = resolve(dest);
  if (existsSync(file)) throw new ApiError('failed', `${file} already exists; choose another file name for the export`);
  const datasets = store.datasets.list();
  const circuits = store.circuits.list();
  const runs = store.runs.list();
  const total = datasets.length + circuits.length + runs.length + 1;
  let done = 0;
  const step = (): void => {
    if (signal.aborted) throw new ApiError('cancelled', 'project.export was cancelled');
    report(++done, total);
  };
  const bundle = {
    format: PROJECT_BUNDLE_FORMAT,
    project: store.info(),
    models: store.models.list(),
    datasets: datasets.map((d) => {
      step();
      return { ...d, items: store.datasets.items(d.id) };
    }),
    circuits: circuits.map((c) => {
      step();
      return { ...c, graph: store.circuits.version(c.id).graph };
    }),
    runs: runs.map((r) => {
      step();
      return { ...r, results: store.results.listForRun(r.id) };
    }),
    edits: store.edits.list(),
  };
  const text = `${JSON.stringify(bundle, null, 1)}\n`;
  await writeFile(file, text, { flag: 'wx' });
  step();
  return { path: file, bytes: Buffer.byteLength(text) };
}
