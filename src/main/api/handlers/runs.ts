/** Analyses as jobs, and the project's runs: list, open (with results), delete. */
import { defaultCopyInput } from '../../../shared/api/analysisKinds';
import { ApiError } from '../../../shared/api/errors';
import type { ParamsOf } from '../../../shared/api/operations';
import type { TaskItem } from '../../datasets';
import type { OpenProject } from '../project/openProject';
import { fromStoredItem } from '../project/taskItems';
import { runEntry } from '../project/views';
import { followJob, runJobToEnd } from '../jobs';
import { JobStateError } from '../../jobs/errors';
import { RESUMABLE_STATUSES, type ProjectStore } from '../../store';
import { runProvenance } from '../project/provenance';
import { finishRun } from './runFinishers';
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
      if (p.verifyTop !== undefined && p.method !== 'atp') throw new ApiError('invalid_request', 'analysis.run: verifyTop applies only to method "atp"', 'params.verifyTop');
      return { target: p.target, direction: p.direction ?? 'denoise', metric: p.metric ?? 'logit-diff', ...(p.method === 'atp' ? { method: 'atp', verifyTop: p.verifyTop ?? 10 } : {}) };
    case 'attention':
      return {
        item: inRange(p.item ?? 0, 'item', itemCount, 'items in this dataset'),
        side: p.side ?? 'clean',
        ...(p.layer === undefined ? {} : { layer: inRange(p.layer, 'layer', c.nLayer, 'layers') }),
      };
    case 'correlation':
      return { layer: inRange(p.layer, 'layer', c.nLayer, 'layers'), head: inRange(p.head, 'head', c.nHead, 'heads per layer'), y: p.y ?? 'attention' };
    case 'copy-scores': {
      const input = p.input ?? defaultCopyInput(c.attnOnly);
      if (input === 'mlp0' && c.attnOnly) throw new ApiError('invalid_request', 'analysis.run: input "mlp0" needs an MLP in layer 0; the model is attention-only (use "embed")', 'params.input');
      return { k: p.k ?? 5, input, antonyms: p.antonyms ?? true };
    }
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
  const project = requireProject(services);
  const { store } = project;
  const run = found('run', runId, () => store.runs.get(runId));
  return {
    run: runEntry(run),
    results: store.results.listForRun(runId).map((r) => {
      const norms = deltaNorms(store, r.id, r.tensors.map((t) => t.name));
      return { id: r.id, name: r.name, summary: r.summary, tensors: r.tensors, ...(norms.length > 0 ? { deltaNorms: norms } : {}) };
    }),
    provenance: runProvenance(store, run, project.loadedModelHash),
  };
};

const l2 = (x: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  return Math.sqrt(sum);
};

/** Norms of the rank-1 deltas an edit result stores as `<param>#<i>.u` and `.v`: ‖u vᵀ‖_F = ‖u‖·‖v‖. */
function deltaNorms(store: ProjectStore, resultId: number, names: string[]): Array<{ param: string; norm: number }> {
  return names
    .filter((n) => n.endsWith('.u') && names.includes(`${n.slice(0, -2)}.v`))
    .map((n) => {
      const base = n.slice(0, -2);
      return { param: base, norm: l2(store.results.tensor(resultId, n).data) * l2(store.results.tensor(resultId, `${base}.v`).data) };
    });
}

/** Cancelling is explicit: this, from any window or tab (closing a page never cancels). */
export const runCancel: Handler<'run.cancel'> = async ({ runId }, { services }) => {
  const project = requireProject(services);
  const run = found('run', runId, () => project.store.runs.get(runId));
  if (run.status !== 'running' && run.status !== 'queued') throw new ApiError('failed', `Run ${runId} is ${run.status}; only a queued or running run can be cancelled.`);
  return { cancelled: project.runner.cancel(runId) };
};

export const runResume: Handler<'run.resume'> = async ({ runId }, { services, signal, progress }) => {
  const project = requireProject(services);
  const run = found('run', runId, () => project.store.runs.get(runId));
  if (!RESUMABLE_STATUSES.includes(run.status)) throw new ApiError('failed', `Run ${runId} is ${run.status}; only an interrupted or cancelled run can be resumed.`);
  let handle;
  try {
    handle = project.runner.resume(runId);
  } catch (error) {
    if (error instanceof JobStateError) throw new ApiError('failed', error.message);
    throw error;
  }
  const record = await followJob(project, run.kind, handle, { signal, progress });
  finishRun(project, record);
  return { run: runEntry(project.store.runs.get(runId)), result: project.store.results.listForRun(runId)[0]?.summary ?? null };
};

/** One click to do a run again: a new run with the stored parameters (they carry their data). */
export const runRerun: Handler<'run.rerun'> = async ({ runId }, { services, signal, progress }) => {
  const project = requireProject(services);
  const run = found('run', runId, () => project.store.runs.get(runId));
  if (run.status === 'running' || run.status === 'queued') throw new ApiError('failed', `Run ${runId} is still ${run.status}.`);
  const start = { modelHash: run.modelHash ?? undefined, datasetHash: run.datasetHash ?? undefined, backend: services.backend()?.name };
  const record = await runJobToEnd(project, run.kind, run.params as object, { signal, progress, ...start });
  finishRun(project, record);
  return { run: runEntry(project.store.runs.get(record.id)), result: project.store.results.listForRun(record.id)[0]?.summary ?? null };
};

export const runRemove: Handler<'run.remove'> = async ({ runId }, { services }) => {
  const project = requireProject(services);
  const run = found('run', runId, () => project.store.runs.get(runId));
  if (run.status === 'running' || run.status === 'queued') throw new ApiError('failed', `Run ${runId} is still ${run.status}; cancel it first.`);
  project.store.runs.remove(runId);
  return { removed: runId };
};
