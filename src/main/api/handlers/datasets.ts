/** Dataset operations: generate from templates, import with per-row checks, browse, delete. */
import { ApiError } from '../../../shared/api/errors';
import type { DatasetProblem } from '../../../shared/api/projectTypes';
import { CORRUPTIONS, DEFAULT_CORRUPTION, DatasetParseError, generate, parseCsv, parseJsonl, TASK_NAMES, defaultTemplateIds, type TaskItem } from '../../datasets';
import { fromStoredItem, itemView, toStoredItem } from '../project/taskItems';
import { datasetEntry } from '../project/views';
import type { Handler } from './context';
import { found, requireModel, requireProject } from './require';

const DEFAULT_PAGE = 50;

export const datasetTasks: Handler<'dataset.tasks'> = async () => ({
  tasks: TASK_NAMES.map((task) => ({ task, templates: defaultTemplateIds(task), corruptions: [...CORRUPTIONS[task]], defaultCorruption: DEFAULT_CORRUPTION[task] })),
});

export const datasetGenerate: Handler<'dataset.generate'> = async ({ name, task, n, seed, split, corruption }, { services, signal }) => {
  const project = requireProject(services);
  if (corruption !== undefined && !CORRUPTIONS[task].includes(corruption)) {
    throw new ApiError('failed', `The ${task} task has no "${corruption}" corruption; it has ${CORRUPTIONS[task].join(', ')}.`);
  }
  if (project.store.datasets.findByName(name)) throw new ApiError('failed', `A dataset named "${name}" already exists in this project; choose another name.`);
  const items = generate(task, { n, seed, split, corruption, signal });
  const problems = requireModel(services).checkItems?.(items, 1) ?? [];
  if (problems.length > 0) {
    throw new ApiError('failed', `The generated items do not fit the loaded model's tokenizer (${problems.length} problems), e.g. ${problems[0].message}`);
  }
  return datasetEntry(project.store.datasets.create({ name, task, items: items.map(toStoredItem) }));
};

/** Parse the file text; a parse error is one problem naming its line (nothing is saved). */
function parseFile(format: 'jsonl' | 'csv', text: string, source: string): { items: TaskItem[] } | { problem: DatasetProblem } {
  try {
    return { items: format === 'csv' ? parseCsv(text, source) : parseJsonl(text, source) };
  } catch (error) {
    if (error instanceof DatasetParseError) return { problem: { row: error.line, field: error.field ?? null, message: error.message } };
    throw error;
  }
}

export const datasetImport: Handler<'dataset.import'> = async ({ name, format, text }, { services }) => {
  const project = requireProject(services);
  const source = `${name}.${format}`;
  const parsed = parseFile(format, text, source);
  if ('problem' in parsed) return { dataset: null, problems: [parsed.problem] };
  if (parsed.items.length === 0) return { dataset: null, problems: [{ row: null, field: null, message: `${source}: has no items` }] };
  // CSV row 1 is the header, so the first item is row 2 (as a spreadsheet numbers it).
  const problems = requireModel(services).checkItems?.(parsed.items, format === 'csv' ? 2 : 1) ?? [];
  if (problems.length > 0) return { dataset: null, problems };
  if (project.store.datasets.findByName(name)) {
    return { dataset: null, problems: [{ row: null, field: null, message: `A dataset named "${name}" already exists in this project; choose another name.` }] };
  }
  const tasks = new Set(parsed.items.map((i) => i.task));
  const task = tasks.size === 1 ? parsed.items[0].task : 'mixed';
  return { dataset: datasetEntry(project.store.datasets.create({ name, task, items: parsed.items.map(toStoredItem) })), problems: [] };
};

export const datasetItems: Handler<'dataset.items'> = async ({ datasetId, offset = 0, limit = DEFAULT_PAGE }, { services }) => {
  const { store } = requireProject(services);
  const dataset = found('dataset', datasetId, () => store.datasets.get(datasetId));
  const items = store.datasets.items(datasetId, { offset, limit }).map((item) => itemView(fromStoredItem(item, dataset.task)));
  return { dataset: datasetEntry(dataset), offset, total: dataset.itemCount, items };
};

export const datasetRemove: Handler<'dataset.remove'> = async ({ datasetId }, { services }) => {
  const { store } = requireProject(services);
  found('dataset', datasetId, () => store.datasets.remove(datasetId));
  return { removed: datasetId };
};
