/**
 * Model editing from the workbench: ROME and head edits as jobs on the loaded model (each saved
 * as a project edit plus the edited model it makes), switching the loaded model, comparing
 * models side by side, and exporting a model with its edits applied.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { CausalTraceView, HeadEditPredictionsView, ModelComparison, RomeMetricsView } from '../../../shared/api/editTypes';
import type { RomeMetrics } from '../../editing/compare';
import { COMPARE_JOB_KIND, deltaJson, type CompareJobParams, type CompareModelSpec } from '../../jobs/handlers/compare';
import type { CausalTrace } from '../../editing/causalTrace';
import type { ModelEdit } from '../../editing/delta';
import { exportProjectModel } from '../../editing/materialise';
import { deltasFromFactors, editChain, recordConfig, saveEdit } from '../../editing/projectEdits';
import { EDITING_JOB_KINDS, type HeadJobParams, type MomentFile, type RomeJobParams } from '../../jobs/handlers/editing';
import { cachedMomentLayers, loadCachedMoment } from '../../editing/rome/momentCache';
import type { ParamsOf, ResultOf } from '../../../shared/api/operations';
import type { RunRecord } from '../../store';
import { runJobToEnd } from '../jobs';
import type { OpenProject } from '../project/openProject';
import { editEntry, modelEntry, runEntry } from '../project/views';
import type { Handler, HandlerContext } from './context';
import { found, requireModelDir, requireProject } from './require';
import { datasetForJob } from './runs';

const PROGRESS_UNITS = 1000;

/** The project's record of the loaded model: edits are made on it and saved against it. */
function loadedModel(project: OpenProject): { id: number; hash: string } {
  const id = project.loadedModelId();
  if (id === null || project.loadedModelHash === null) throw new ApiError('not_available', 'The loaded model is not registered in this project, so an edit of it cannot be saved here.');
  return { id, hash: project.loadedModelHash };
}

/** Run an editing job on the loaded model and save its edit and edited model. */
async function runEditJob(kind: string, jobParams: object, ctx: HandlerContext): Promise<{ project: OpenProject; record: RunRecord; summary: Record<string, unknown>; saved: ReturnType<typeof saveEdit> }> {
  const project = requireProject(ctx.services);
  const base = loadedModel(project);
  const record = await runJobToEnd(project, kind, jobParams, { signal: ctx.signal, progress: ctx.progress, modelHash: base.hash, backend: ctx.services.backend()?.name });
  return { project, record, ...saveRunEdit(project, record) };
}

/**
 * Save the edit an editing run produced (and the edited model it makes) against the model the run
 * was computed on. Also what a resumed editing run does when it ends.
 */
export function saveRunEdit(project: OpenProject, record: RunRecord): { summary: Record<string, unknown>; saved: ReturnType<typeof saveEdit> } {
  const { store } = project;
  const baseId = record.modelHash === null ? undefined : store.models.findByHash(record.modelHash)[0]?.id;
  if (baseId === undefined) throw new ApiError('failed', `The model editing run ${record.id} was computed on is no longer in this project.`);
  const result = store.results.listForRun(record.id).find((r) => r.name === 'edit');
  if (!result) throw new ApiError('failed', `The editing run ${record.id} finished without an edit.`);
  const summary = (result.summary ?? {}) as Record<string, unknown>;
  const edit: ModelEdit = {
    name: String(summary.name),
    spec: (summary.spec ?? {}) as ModelEdit['spec'],
    deltas: deltasFromFactors(`run ${record.id}`, store.results.get(result.id).tensors),
  };
  const config = recordConfig(store.models.get(baseId));
  const saved = saveEdit(store, { baseModelId: baseId, config, edit, runId: record.id });
  return { summary, saved };
}

function metricsView(m: RomeMetrics): RomeMetricsView {
  // NaN (no such prompts) became null when the job's summary was stored as JSON.
  const fraction = (x: number | null): number | null => (x === null || Number.isNaN(x) ? null : x);
  return { ...m, paraphrase: fraction(m.paraphrase), specificity: fraction(m.specificity) };
}

function traceView(trace: CausalTrace | undefined, tokens: string[] | undefined): CausalTraceView | null {
  if (!trace || !tokens) return null;
  return { tokens, probs: trace.probs, cleanProb: trace.cleanProb, corruptedProb: trace.corruptedProb, subjectPositions: trace.subjectPositions };
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The key second moments the project holds for the loaded model (only `layer`'s when the edit
 * names one), written to a temporary folder for the worker: a moment is M x M floats, too big
 * for the run's JSON params. The caller removes the folder.
 */
async function cachedMomentFiles(project: OpenProject, layer: number | undefined): Promise<{ dir: string; files: MomentFile[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'cwb-moments-'));
  const files: MomentFile[] = [];
  const cached = project.loadedModelHash === null ? new Map() : cachedMomentLayers(project.store, project.loadedModelHash);
  for (const [l, at] of cached) {
    if (layer !== undefined && l !== layer) continue;
    const m = loadCachedMoment(project.store, l, at);
    const path = join(dir, `layer-${l}.f32`);
    const data = Float32Array.from(m.c); // [M * M]
    await writeFile(path, new Uint8Array(data.buffer));
    files.push({ path, layer: l, size: m.size, count: m.count });
  }
  return { dir, files };
}

export const editRome: Handler<'edit.rome'> = async (params, ctx) => {
  const moments = await cachedMomentFiles(requireProject(ctx.services), params.layer);
  try {
    return await romeOnLoadedModel(params, moments.files, ctx);
  } finally {
    await rm(moments.dir, { recursive: true, force: true });
  }
};

async function romeOnLoadedModel(params: ParamsOf<'edit.rome'>, momentFiles: MomentFile[], ctx: HandlerContext): Promise<ResultOf<'edit.rome'>> {
  const jobParams: RomeJobParams = {
    modelDir: requireModelDir(ctx.services),
    prompt: params.prompt,
    subject: params.subject,
    target: params.target,
    layer: params.layer ?? 'auto',
    occurrence: params.last ? 'last' : 'first',
    ...defined({ contexts: params.contexts, paraphrases: params.paraphrases, neighbourhood: params.neighbourhood, name: params.name }),
    rome: defined({ steps: params.steps, lr: params.lr, weightDecay: params.weightDecay }),
    ...(momentFiles.length > 0 ? { momentFiles } : {}),
  };
  const { project, record, summary, saved } = await runEditJob(EDITING_JOB_KINDS.rome, jobParams, ctx);
  const traces = (summary.traces ?? {}) as { mlp?: CausalTrace };
  return {
    run: runEntry(record),
    edit: editEntry(saved.edit),
    model: modelEntry(saved.model, project.loadedModelHash),
    layer: Number(summary.layer),
    metrics: metricsView(summary.metrics as RomeMetrics),
    trace: traceView(traces.mlp, summary.tokens as string[] | undefined),
  };
}

export const editHead: Handler<'edit.head'> = async (params, ctx) => {
  const jobParams: HeadJobParams = { modelDir: requireModelDir(ctx.services), ...params };
  const { project, record, summary, saved } = await runEditJob(EDITING_JOB_KINDS.head, jobParams, ctx);
  return {
    run: runEntry(record),
    edit: editEntry(saved.edit),
    model: modelEntry(saved.model, project.loadedModelHash),
    projection: (summary.projection ?? null) as { before: number; after: number } | null,
    predictions: (summary.predictions ?? null) as HeadEditPredictionsView | null,
  };
};

export const modelSelect: Handler<'model.select'> = async ({ modelId }, { services, signal, progress }) => {
  const project = requireProject(services);
  const selection = services.modelSelection();
  if (!selection) throw new ApiError('not_available', 'This workbench cannot switch models.');
  found('model', modelId, () => project.store.models.get(modelId));
  await selection.select(modelId, (f, message) => progress({ done: Math.round(f * PROGRESS_UNITS), total: PROGRESS_UNITS, message }), signal);
  return { model: modelEntry(project.store.models.get(modelId), project.loadedModelHash) };
};

/**
 * edit.compare runs as a job in a worker (it loads several models and may run EAP-IG on each):
 * main only resolves each model to its folder and edit chain, and stores the comparison with the run.
 */
export const editCompare: Handler<'edit.compare'> = async ({ modelIds, prompts, datasetId, circuitTopN }, { services, signal, progress }) => {
  const project = requireProject(services);
  const { store } = project;
  const dataset = datasetId === undefined ? undefined : datasetForJob(project, datasetId);
  const items = dataset?.items ?? [];
  if (prompts.length === 0 && items.length === 0) throw new ApiError('failed', 'Give prompts, a dataset, or both to compare the models on.');
  if (circuitTopN !== undefined && (items.length === 0 || modelIds.length < 2)) throw new ApiError('failed', 'A circuit diff needs a dataset and at least two models.');
  const models: CompareModelSpec[] = modelIds.map((id) => {
    const record = found('model', id, () => store.models.get(id));
    const { root, edits } = editChain(store, id);
    if (!root.path) throw new ApiError('failed', `Model "${root.name}" has no folder on disk to load.`);
    return { modelId: id, label: `${record.name} (#${id})`, rootDir: root.path, edits: edits.map(deltaJson) };
  });
  const jobParams: CompareJobParams = { models, prompts, items, modelIds, ...defined({ circuitTopN, datasetId, datasetName: dataset?.datasetName }) };
  const record = await runJobToEnd(project, COMPARE_JOB_KIND, jobParams, { signal, progress, datasetHash: dataset?.datasetHash, modelHash: project.loadedModelHash ?? undefined, backend: services.backend()?.name });
  const summary = (store.results.listForRun(record.id)[0]?.summary ?? {}) as unknown as ModelComparison & { kind?: string };
  const { kind: _kind, ...comparison } = summary;
  return { ...comparison, run: runEntry(record) };
};

export const editExport: Handler<'edit.export'> = async ({ modelId, path }, { services, signal, progress }) => {
  const project = requireProject(services);
  const record = found('model', modelId, () => project.store.models.get(modelId));
  if (existsSync(path) && readdirSync(path).length > 0) throw new ApiError('failed', `${path} already exists and is not empty: choose a new folder for the export.`);
  await exportProjectModel(project.store, modelId, path, { signal, onProgress: (f) => progress({ done: Math.round(f * PROGRESS_UNITS), total: PROGRESS_UNITS, message: `Writing ${record.name}` }) });
  return { path };
};
