/**
 * Circuit discovery (ACDC, EAP, EAP-IG, path patching) and evaluation as jobs on the project's
 * runner. The discovered graph comes back for the editor; the run keeps the full report.
 */
import { ApiError } from '../../../shared/api/errors';
import { DISCOVERY_LABELS, type DiscoveryMethod } from '../../../shared/api/analysisKinds';
import type { CircuitDiscoveryOutcome, CircuitGraphView, EvaluationReferenceView } from '../../../shared/api/circuitTypes';
import type { CircuitGraph, RunRecord } from '../../store';
import type { OpenProject } from '../project/openProject';
import type { ParamsOf } from '../../../shared/api/operations';
import { saveVersion } from './circuits';
import { CIRCUIT_TOOL_KINDS } from '../../jobs/handlers';
import { runJobToEnd } from '../jobs';
import { circuitEntry, runEntry } from '../project/views';
import type { Handler } from './context';
import { found, requireModelDir, requireProject } from './require';
import { datasetForJob } from './runs';

/** EAP keeps this many top edges when neither topN nor a threshold is given. */
const DEFAULT_TOP_N = 20;
const DEFAULT_IG_STEPS = 5;

/** Where each discovery kind's summary keeps the found circuit's graph. */
const GRAPH_PATHS: Record<string, string[]> = {
  [CIRCUIT_TOOL_KINDS.acdc]: ['circuit', 'graph'],
  [CIRCUIT_TOOL_KINDS.pathPatching]: ['circuit', 'graph'],
  [CIRCUIT_TOOL_KINDS.attribution]: ['selection', 'circuit', 'graph'],
};

export const DISCOVERY_KINDS: readonly string[] = Object.keys(GRAPH_PATHS);

function graphOf(summary: unknown, path: string[]): CircuitGraphView {
  let value: unknown = summary;
  for (const key of path) value = (value as Record<string, unknown> | null)?.[key];
  const graph = value as CircuitGraphView | undefined;
  if (!graph || !Array.isArray(graph.nodes) || !Array.isArray(graph.edges)) throw new ApiError('failed', 'The discovery run finished without a circuit.');
  return graph;
}

interface SaveTo {
  circuitId?: number;
  baseVersion?: number;
}

/**
 * Save a finished discovery run's circuit where its params ask (saveTo): a new circuit named after
 * the run, or a new version of the chosen circuit. Runs in the handler when the run ends, whether
 * or not its page is still there, and after a resumed discovery run.
 */
export function saveDiscovered(project: OpenProject, record: RunRecord): CircuitDiscoveryOutcome['saved'] {
  const params = record.params as Record<string, unknown>;
  const saveTo = params.saveTo as SaveTo | undefined;
  if (!saveTo) return undefined;
  const { store } = project;
  const summary = store.results.listForRun(record.id)[0]?.summary;
  const graph = graphOf(summary, GRAPH_PATHS[record.kind] ?? []) as unknown as CircuitGraph;
  const method = DISCOVERY_LABELS[params.method as DiscoveryMethod] ?? record.kind;
  const runName = `${method} run ${record.id}${typeof params.datasetName === 'string' ? ` on ${params.datasetName}` : ''}`;
  if (saveTo.circuitId !== undefined) {
    const target = found('circuit', saveTo.circuitId, () => store.circuits.get(saveTo.circuitId as number));
    const version = saveVersion(store, target.id, target.name, graph, { message: runName, baseVersion: saveTo.baseVersion });
    return { circuit: circuitEntry(store.circuits.get(target.id)), version };
  }
  const created = store.circuits.create({ name: runName, graph, modelId: project.loadedModelId() ?? undefined, message: runName });
  return { circuit: circuitEntry(created), version: created.headVersion };
}

/** Where the run saves its circuit, kept in the run's params so a resumed run saves it too. */
function saveToParams(params: ParamsOf<'circuit.discover'>): { saveTo?: SaveTo } {
  if (params.saveTo === undefined) return {};
  if (params.saveTo === 'new-circuit') return { saveTo: {} };
  if (params.circuitId === undefined) throw new ApiError('invalid_request', 'circuit.discover: params.circuitId is required to save the found circuit as a new version', 'params.circuitId');
  return { saveTo: { circuitId: params.circuitId, baseVersion: params.baseVersion } };
}

export const circuitDiscover: Handler<'circuit.discover'> = async (params, { services, signal, progress }) => {
  const project = requireProject(services);
  const modelDir = requireModelDir(services);
  const dataset = datasetForJob(project, params.datasetId);
  const shown = { datasetId: dataset.datasetId, datasetName: dataset.datasetName, method: params.method, ...saveToParams(params) };
  const start = { signal, progress, datasetHash: dataset.datasetHash, modelHash: project.loadedModelHash ?? undefined, backend: services.backend()?.name };
  let kind: string;
  let jobParams: object;
  if (params.method === 'acdc') {
    kind = CIRCUIT_TOOL_KINDS.acdc;
    jobParams = { ...shown, modelDir, data: { items: dataset.items }, tau: params.threshold ?? 0.1, metric: params.metric, name: `ACDC on ${dataset.datasetName}` };
  } else if (params.method === 'path-patching') {
    kind = CIRCUIT_TOOL_KINDS.pathPatching;
    jobParams = { ...shown, modelDir, items: dataset.items, threshold: params.threshold, metric: params.metric };
  } else {
    kind = CIRCUIT_TOOL_KINDS.attribution;
    const topN = params.topN ?? (params.threshold === undefined ? DEFAULT_TOP_N : undefined);
    const steps = params.method === 'eap-ig' ? (params.steps ?? DEFAULT_IG_STEPS) : undefined;
    jobParams = { ...shown, modelDir, data: { items: dataset.items }, steps, topN, threshold: topN === undefined ? params.threshold : undefined, metric: params.metric };
  }
  const record = await runJobToEnd(project, kind, jobParams, start);
  return discoveryOutcome(project, record);
};

/** A finished discovery run as the API returns it (saving its circuit where it asked). */
export function discoveryOutcome(project: OpenProject, record: RunRecord): CircuitDiscoveryOutcome {
  const summary = project.store.results.listForRun(record.id)[0]?.summary as Record<string, unknown>;
  const graph = graphOf(summary, GRAPH_PATHS[record.kind] ?? []);
  const saved = saveDiscovered(project, record);
  const { circuit: _circuit, finalState: _state, ...rest } = summary ?? {};
  return { run: runEntry(project.store.runs.get(record.id)), graph, summary: rest, ...(saved ? { saved } : {}) };
}

interface EvaluationSummary {
  scores?: { faithfulness: number | null; completeness: number | null; minimality: number | null };
  reference?: EvaluationReferenceView;
}

export const circuitEvaluate: Handler<'circuit.evaluate'> = async ({ circuitId, datasetId, version }, { services, signal, progress }) => {
  const project = requireProject(services);
  const modelDir = requireModelDir(services);
  const { store } = project;
  const circuit = found('circuit', circuitId, () => store.circuits.get(circuitId));
  const v = found(`version ${version} of circuit`, circuitId, () => store.circuits.version(circuitId, version));
  if (v.graph.edges.length === 0) throw new ApiError('failed', `Circuit "${circuit.name}" has no edges yet: add some, or find them with ACDC or EAP.`);
  const dataset = datasetForJob(project, datasetId);
  const record = await runJobToEnd(
    project,
    CIRCUIT_TOOL_KINDS.evaluate,
    { circuitId, version: v.version, datasetId, datasetName: dataset.datasetName, modelDir, items: dataset.items, name: circuit.name, graph: { nodes: v.graph.nodes, edges: v.graph.edges } },
    { signal, progress, datasetHash: dataset.datasetHash, modelHash: project.loadedModelHash ?? undefined, backend: services.backend()?.name },
  );
  const summary = (store.results.listForRun(record.id)[0]?.summary ?? {}) as EvaluationSummary & Record<string, unknown>;
  return {
    run: runEntry(record),
    faithfulness: summary.scores?.faithfulness ?? null,
    completeness: summary.scores?.completeness ?? null,
    minimality: summary.scores?.minimality ?? null,
    reference: summary.reference ?? null,
    summary,
  };
};
