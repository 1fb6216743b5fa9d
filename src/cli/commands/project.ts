/** circuit-workbench project new|open|runs|export: the project store from the command line. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { circuitToJson, ProjectStore, resultToCsv, resultToJson, type RunStatus } from '../../main/store/index';
import { parseHfConfig } from '../../main/engine/config';
import { readModelConfig } from '../../main/loader/modelDir';
import { modelContentHash } from '../../main/api/project/modelHash';
import { modelDirFromOptions } from '../modelOption';
import { projectResumeCommand } from './projectResume';
import { CliError, MODEL_OPTION, optionalInt, requireString, type Command, type OptionValues } from '../command';

function projectFile(positionals: string[]): string {
  const file = positionals[0];
  if (!file) throw new CliError('give the project file, e.g. my-study.cwb');
  return path.resolve(file);
}

/** Open the store for one command and always close it, whatever happens. */
function withStore<T>(file: string, create: boolean, body: (store: ProjectStore) => Promise<T> | T): Promise<T> {
  const store = ProjectStore.open(file, { create });
  return Promise.resolve()
    .then(() => body(store))
    .finally(() => store.close());
}

export const projectNewCommand: Command = {
  name: 'project new',
  summary: 'create a project file with a model registered (the bundled one by default)',
  usage: 'project new FILE [--name NAME] [--model DIR|ID [--download]]',
  options: { ...MODEL_OPTION, name: { type: 'string' } },
  async run(values, positionals) {
    const file = projectFile(positionals);
    const modelDir = await modelDirFromOptions(values);
    const { hfConfig } = await readModelConfig(modelDir);
    parseHfConfig(hfConfig); // refuse a model the engine cannot run before creating anything
    const contentHash = await modelContentHash(modelDir);
    return withStore(file, true, (store) => {
      if (!store.report.created) throw new CliError(`${file} already exists; open it with "project open"`);
      if (values.name) store.rename(values.name as string);
      const model = store.models.add({ name: path.basename(modelDir), path: modelDir, contentHash, config: hfConfig as never });
      const info = store.info();
      return { data: { project: info, model }, text: `created ${file}\nproject "${info.name}" (schema v${info.schemaVersion}) with model ${model.name} (${contentHash.slice(0, 12)})` };
    });
  },
};

export const projectOpenCommand: Command = {
  name: 'project open',
  summary: 'open a project: integrity check, migrations, interrupted runs, contents',
  usage: 'project open FILE',
  options: {},
  async run(_values, positionals) {
    const file = projectFile(positionals);
    return withStore(file, false, (store) => {
      const info = store.info();
      const contents = {
        models: store.models.list().length,
        datasets: store.datasets.list().length,
        circuits: store.circuits.list().length,
        runs: store.runs.list().length,
        edits: store.edits.list().length,
        notes: store.notes.list().length,
      };
      const r = store.report;
      const text = [
        `project "${info.name}"  ${file}`,
        `schema v${r.schemaVersion}${r.migratedFrom !== r.schemaVersion ? ` (migrated from v${r.migratedFrom})` : ''}; ${r.check}: ok in ${r.checkMs.toFixed(0)} ms`,
        r.interruptedRunIds.length > 0 ? `runs interrupted by a previous process: ${r.interruptedRunIds.join(', ')}` : 'no interrupted runs',
        Object.entries(contents).map(([k, v]) => `${k} ${v}`).join(', '),
      ].join('\n');
      return { data: { project: info, report: r, contents }, text };
    });
  },
};

const STATUSES: RunStatus[] = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'];

export const projectRunsCommand: Command = {
  name: 'project runs',
  summary: 'list the runs of a project (kind, status, progress, timings, errors)',
  usage: 'project runs FILE [--kind KIND] [--status STATUS] [--limit N]',
  options: { kind: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' } },
  async run(values, positionals) {
    const file = projectFile(positionals);
    const status = values.status as RunStatus | undefined;
    if (status !== undefined && !STATUSES.includes(status)) throw new CliError(`--status must be one of ${STATUSES.join(', ')}`);
    const limit = optionalInt(values, 'limit', 100);
    return withStore(file, false, (store) => {
      const runs = store.runs.list({ kind: values.kind as string | undefined, status, limit });
      const rows = runs.map((r) => `#${String(r.id).padEnd(4)} ${r.kind.padEnd(16)} ${r.status.padEnd(11)} ${(r.progress * 100).toFixed(0).padStart(3)}%  ${r.createdAt}${r.error ? `  error: ${r.error}` : ''}`);
      return { data: { runs }, text: rows.length > 0 ? rows.join('\n') : 'no runs' };
    });
  },
};

async function exportOne(store: ProjectStore, values: OptionValues, out: string): Promise<{ what: string }> {
  if (values.circuit !== undefined) {
    const id = optionalInt(values, 'circuit', 0);
    await writeFile(out, `${JSON.stringify(circuitToJson(store, id), null, 2)}\n`);
    return { what: `circuit ${id}` };
  }
  if (values.result !== undefined) {
    const id = optionalInt(values, 'result', 0);
    const format = (values.format as string | undefined) ?? (out.endsWith('.csv') ? 'csv' : 'json');
    if (format !== 'csv' && format !== 'json') throw new CliError('--format must be csv or json');
    await writeFile(out, format === 'csv' ? resultToCsv(store, id) : `${JSON.stringify(resultToJson(store, id), null, 2)}\n`);
    return { what: `result ${id} as ${format}` };
  }
  await store.exportTo(out);
  return { what: 'the whole project (a consistent copy)' };
}

export const projectExportCommand: Command = {
  name: 'project export',
  summary: 'export the whole project (consistent copy while open), a circuit as JSON, or a result as CSV/JSON',
  usage: 'project export FILE --out DEST [--circuit ID | --result ID [--format csv|json]]',
  options: { out: { type: 'string', short: 'o' }, circuit: { type: 'string' }, result: { type: 'string' }, format: { type: 'string' } },
  async run(values, positionals) {
    const file = projectFile(positionals);
    const out = path.resolve(requireString(values, 'out'));
    if (values.circuit !== undefined && values.result !== undefined) throw new CliError('give either --circuit or --result, not both');
    return withStore(file, false, async (store) => {
      const { what } = await exportOne(store, values, out);
      return { data: { project: file, out, exported: what }, text: `exported ${what} to ${out}` };
    });
  },
};

export const PROJECT_COMMANDS: Command[] = [projectNewCommand, projectOpenCommand, projectRunsCommand, projectExportCommand, projectResumeCommand];
