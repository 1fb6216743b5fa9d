/** Analyses as jobs, and the project's runs: list, open (with results), delete. */
import { ApiError } from '../../../shared/api/errors';
import type { ParamsOf } from '../../../shared/api/operations';
import type { TaskItem } from '../../datasets';
import type { OpenProject } from '../project/openProject';
import { fromStoredItem } from '../project/taskItems';
import { runEntry } from '../project/views';
import { runJobToEnd } from '../jobs';
import type { ModelService } from '../services';
import type { Handler } from './context';
import { found, requireModel, requireModelDir, requireProject } from './require';

export interface DatasetForJob {
  datasetId: number;
  datasetName: string;
  datasetHash: string;
  items: TaskItem[];
}

export function datasetForJob(project: OpenProject, datasetId: number): DatasetForJob {
  const { store } = project;
  const dataset = found('dataset', datasetId, () => store.datasets.get(datasetId));
  if (dataset.itemCount === 0) throw new ApiError('failed', `Dataset "${dataset.name}" has no items.`);
  const items = store.datasets.items(datasetId).map((item) => fromStoredItem(item, dataset.task));
  return { datasetId, datasetName: dataset.name, datasetHash: dataset.contentHash, items };
}

type AnalysisParams = ParamsOf<'analysis.run'>;

function inRange(value: number | undefined, what: string, count: number, noun: string): number {
  if (value === undefined) throw new ApiError('invalid_request', `analysis.run: ${what} is required for this analysis`, `params.${what}`);
  if (value >= count) throw new ApiError('failed', `The model has ${count} ${noun} (0 to ${count - 1}); ${what} ${value} does not exist.`);
  return value;
}

/** The kind-specific options of an analysis, checked against the loaded model. */
export function analysisOptions(p: AnalysisParams, model: ModelService, itemCount: number): Record<string, unknown> {
  const c = model.config;
  switch (p.kind) {
    case 'logit-lens':
      return { side: p.side ?? 'clean', item: inRange(p.item ?? 0, 'item', itemCount, 'items in this dataset'), k: p.k ?? 5 };
    case 'dla':
      return { side: p.side ?? 'clean' };
    case 'patching':
      if (!p.target) throw new ApiError('invalid_request', 'analysis.run: target is required for activation patching', 'params.target');
      return { target: p.target, direction: p.direction ?? 'denoise', metric: p.metric ?? 'logit-diff' };
    case 'attention':
      return {
        item: inRange(p.item ?? 0, 'item', itemCount, 'items in this dataset'),
        side: p.side ?? 'clean',
        ...(p.layer === undefined ? {} : { layer: inRange(p.layer, 'layer', c.nLayer, 'layers') }),
      };
    case 'correlation':
      return { layer: inRange(p.layer, 'layer', c.nLayer, 'layers'), head: inRange(p.head, 'head', c.nHead, 'heads per layer'), y: p.y ?? 'attention' };
    case 'copy-scores':
      return { k: p.k ?? 5 };
    case 'neuroscope':
      return { layer: inRange(p.layer, 'layer', c.nLayer, 'layers'), neuron: inRange(p.neuron, 'neuron', c.dMlp, 'neurons per MLP'), k: p.k ?? 10 };
  }
}

/** The dataset's items of one template (all items without one); a template with no items is an error naming the ones there are. */
function onlyTemplate(dataset: DatasetForJob, template: string | undefined): DatasetForJob {
  if (template === undefined) return dataset;
  const items = dataset.items.filter((i) => i.template === template);
  if (items.length === 0) {
    const known = [...new Set(dataset.items.map((i) => i.template))];
    const shown = known.slice(0, 10).map((t) => JSON.stringify(t)).join(', ');
    throw new ApiError('failed', `Dataset "${dataset.datasetName}" has no items of template ${JSON.stringify(template.slice(0, 200))}; its templates are ${shown}${known.length > 10 ? ', ...' : ''}.`);
  }
  return { ...dataset, items };
}

export const analysisRun: Handler<'analysis.run'> = async (params, { services, signal, progress }) => {
  const project = requireProject(services);
  const model = requireModel(services);
  const modelDir = requireModelDir(services);
  const dataset = onlyTemplate(datasetForJob(project, params.datasetId), params.template);
  const options = analysisOptions(params, model, dataset.items.length);
  const modelHash = project.loadedModelHash ?? undefined;
  const record = await runJobToEnd(
    project,
    params.kind,
    { ...options, datasetId: dataset.datasetId, datasetName: dataset.datasetName, ...(params.template ? { template: params.template } : {}), modelDir, items: dataset.items },
    { signal, progress, datasetHash: dataset.datasetHash, modelHash, backend: services.backend()?.name },
  );
  const results = project.store.results.listForRun(record.id);
  return { run: runEntry(record), result: results[0]?.summary ?? null };
};

export const runList: Handler<'run.list'> = async ({ limit }, { services }) => ({
  runs: requireProject(services).store.runs.list({ limit: limit ?? 200 }).map(runEntry),
});

export const runGet: Handler<'run.get'> = async ({ runId }, { services }) => {
  const { store } = requireProject(services);
  const run = found('run', runId, () => store.runs.get(runId));
  return { run: runEntry(run), results: store.results.listForRun(runId).map((r) => ({ id: r.id, name: r.name, summary: r.summary })) };
};

export const runRemove: Handler<'run.remove'> = async ({ runId }, { services }) => {
  const project = requireProject(services);
  const run = found('run', runId, () => project.store.runs.get(runId));
  if (run.status === 'running' || run.status === 'queued') throw new ApiError('failed', `Run ${runId} is still ${run.status}; cancel it first.`);
  project.store.runs.remove(runId);
  return { removed: runId };
};
